import { createHash } from 'node:crypto';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { ResponseOf } from '../../../shared/contract';
import { systemTenantId } from '../controlplane/repos/administration';
import { adminTenants, type EnrolledCertificate } from '../controlplane/repos/administration-reads';
import {
  reviewBatch,
  reviewCertificates,
  reviewCounts,
  reviewPage,
  type ReviewFilter,
  type ReviewGrant,
} from '../controlplane/repos/access-review';
import { withTenant } from '../controlplane/tenant-session';
import { grantChecks } from '../pki/grant-signatures';
import { ACCESS_REVIEW_CSV_HEADER, accessReviewCsvLines, reviewEntry, type AccessReviewEntry } from './access-review';

/** Days before a certificate's expiry that the review flags it. */
export const EXPIRY_WARNING_DAYS = 30;

export type PageEntry = ResponseOf<'admin.accessReviewPage'>['entries'][number];

/** A grant as the review shows it, its signatures checked now against `certs`, with its key fields. */
export interface ReviewedGrant {
  key: string;
  entry: AccessReviewEntry;
  grant: ReviewGrant;
}

/** The key a full verification flags a grant by: 'tenant/operator/role' (migration 0029). */
export const grantKey = (g: { tenantId: string; operatorId: string; role: string }) =>
  `${g.tenantId}/${g.operatorId}/${g.role}`;

/** Whether an entry's grant or approval lacks a signature or does not verify. */
export const isProblem = (e: Pick<AccessReviewEntry, 'grant' | 'approval'>) =>
  e.grant === 'missing' || e.grant === 'invalid' || e.approval === 'missing' || e.approval === 'invalid';

export async function requireSystemTenant(pool: pg.Pool): Promise<string> {
  const system = await systemTenantId(pool);
  if (!system) throw new ArxFailure('DB_NOT_CONFIGURED', 'This control plane is not bootstrapped (arx db bootstrap).');
  return system;
}

/** The SHA-256 key ids (hex) that the grants' envelopes name: the certificates a page or batch needs. */
function signerKeyIds(grants: readonly ReviewGrant[]): string[] {
  const ids = new Set<string>();
  for (const g of grants)
    for (const env of [g.grantEnvelope, g.approvalEnvelope]) {
      const sigs = (env as { signatures?: unknown } | null)?.signatures;
      if (!Array.isArray(sigs)) continue;
      for (const s of sigs) {
        const k = (s as { keyid?: unknown } | null)?.keyid;
        if (typeof k === 'string' && /^[0-9a-f]{64}$/.test(k)) ids.add(k);
      }
    }
  return [...ids];
}

/** Certificates a walk has read so far, by SHA-256 hex; `have` fetches those a batch adds. */
export class SignerCertificates {
  readonly map = new Map<string, EnrolledCertificate>();
  private readonly absent = new Set<string>();

  async have(q: pg.PoolClient | pg.Pool, grants: readonly ReviewGrant[]): Promise<void> {
    const missing = signerKeyIds(grants).filter((k) => !this.map.has(k) && !this.absent.has(k));
    const found = await reviewCertificates(q, missing);
    for (const k of missing) {
      const c = found.get(k);
      if (c) this.map.set(k, c);
      else this.absent.add(k);
    }
  }
}

/** Checks each grant's signatures now; yields to the event loop every `chunk` grants (signature arithmetic blocks). */
export async function reviewGrants(
  grants: readonly ReviewGrant[],
  certs: SignerCertificates,
  warnUntil: number,
  chunk = 250,
): Promise<ReviewedGrant[]> {
  const out: ReviewedGrant[] = [];
  for (let i = 0; i < grants.length; i++) {
    if (i > 0 && i % chunk === 0) await yieldToLoop();
    const g = grants[i]!;
    out.push({
      key: grantKey(g),
      grant: g,
      entry: reviewEntry(g, grantChecks(g, certs.map), g.certificatesExpire, warnUntil),
    });
  }
  return out;
}

const warnUntilOf = (now: Date) => now.getTime() + EXPIRY_WARNING_DAYS * 86_400_000;

/** One page of the review: counted, filtered and paged by the control plane; the page's signatures checked now. */
export async function accessReviewPage(
  pool: pg.Pool,
  req: { text: string; problemsOnly: boolean; expiringOnly: boolean; page: number; pageSize: number },
  flagged: readonly string[],
  now = new Date(),
): Promise<Omit<ResponseOf<'admin.accessReviewPage'>, 'verifiedAll'>> {
  const system = await requireSystemTenant(pool);
  const warnBefore = new Date(warnUntilOf(now));
  const filter: ReviewFilter = {
    text: req.text.trim(),
    problemsOnly: req.problemsOnly,
    flagged: req.problemsOnly ? flagged : [],
    expiringBefore: req.expiringOnly ? warnBefore : null,
  };
  const { counts, grants, certs } = await withTenant(pool, system, async (c) => {
    const counts = await reviewCounts(c, filter, warnBefore);
    const pages = Math.max(1, Math.ceil(counts.matching / req.pageSize));
    const page = Math.min(req.page, pages);
    const grants = await reviewPage(c, filter, req.pageSize, (page - 1) * req.pageSize);
    const certs = new SignerCertificates();
    await certs.have(c, grants);
    return { counts: { ...counts, page }, grants, certs };
  });
  const reviewed = await reviewGrants(grants, certs, warnUntilOf(now));
  return {
    entries: reviewed.map((r) => ({
      ...r.entry,
      tenantId: r.grant.tenantId,
      operatorId: r.grant.operatorId,
      unsigned: r.grant.unsigned,
    })),
    page: counts.page,
    pageSize: req.pageSize,
    total: counts.total,
    matching: counts.matching,
    unsigned: counts.unsigned,
    expiring: counts.expiring,
  };
}

/**
 * Every grant in the review's order (tenant slug, EDIPI, role), `batch` at a time, each checked
 * now: what a full verification and the CSV export walk. Each batch is its own short read.
 */
export async function* walkReview(
  pool: pg.Pool,
  opts: { batch?: number; signal?: AbortSignal; now?: Date } = {},
): AsyncGenerator<ReviewedGrant[]> {
  const system = await requireSystemTenant(pool);
  const batch = opts.batch ?? 2000;
  const warnUntil = warnUntilOf(opts.now ?? new Date());
  const certs = new SignerCertificates();
  const tenants = await withTenant(pool, system, (c) => adminTenants(c));
  for (const t of tenants) {
    let after: { edipi: string; role: string } | null = null;
    for (;;) {
      if (opts.signal?.aborted) throw new ArxFailure('CANCELLED', 'Cancelled; nothing was written.');
      const grants = await withTenant(pool, system, async (c) => {
        const rows = await reviewBatch(c, t.tenantId, after, batch);
        await certs.have(c, rows);
        return rows;
      });
      if (grants.length > 0) yield await reviewGrants(grants, certs, warnUntil);
      if (grants.length < batch) break;
      const last = grants[grants.length - 1]!;
      after = { edipi: last.edipi, role: last.role };
    }
  }
}

/** How many grants the review holds now (for a walk's progress). */
export async function reviewTotal(pool: pg.Pool): Promise<number> {
  const system = await requireSystemTenant(pool);
  const none: ReviewFilter = { text: '', problemsOnly: false, flagged: [], expiringBefore: null };
  return (await withTenant(pool, system, (c) => reviewCounts(c, none, new Date()))).total;
}

/**
 * The review as CSV, written to a new file (0600) in `dir` a batch at a time: it never sits in
 * memory whole and never crosses to the window; a failure removes the partial file.
 */
export async function exportAccessReviewCsv(
  pool: pg.Pool,
  dir: string,
): Promise<{ path: string; rows: number; sha256: string }> {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `access-review-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
  const out = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  const hash = createHash('sha256');
  const write = (text: string) =>
    new Promise<void>((resolve, reject) => {
      hash.update(text);
      out.write(text, (err) => (err ? reject(err) : resolve()));
    });
  let rows = 0;
  try {
    await new Promise<void>((resolve, reject) => out.once('open', () => resolve()).once('error', reject));
    await write(ACCESS_REVIEW_CSV_HEADER);
    for await (const reviewed of walkReview(pool)) {
      await write(accessReviewCsvLines(reviewed.map((r) => r.entry)));
      rows += reviewed.length;
    }
    await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  } catch (err) {
    out.destroy();
    rmSync(path, { force: true });
    throw err;
  }
  return { path, rows, sha256: hash.digest('hex') };
}

/** The whole review as CSV text, built a batch at a time (for the CLI's `arx admin accessReviewCsv`). */
export async function accessReviewCsvText(pool: pg.Pool): Promise<string> {
  const parts = [ACCESS_REVIEW_CSV_HEADER];
  for await (const reviewed of walkReview(pool)) parts.push(accessReviewCsvLines(reviewed.map((r) => r.entry)));
  return parts.join('');
}
