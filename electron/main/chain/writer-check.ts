// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import type { Queryable } from '../controlplane/repos/queryable';
import { certificatesBySha } from '../controlplane/repos/operators';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import type { StreamResult } from './stream-verifier';
import { issue, type VerificationIssue } from './verification';
import { systemTenant } from '../controlplane/repos/administration';
import { signedCloseCutover, storedRows } from '../controlplane/repos/events';
import {
  authenticateWriters,
  bootstrapRecords,
  referencedCertificates,
  type OperatorCertificate,
} from '../pki/writer-auth';

/** The trust a verification authenticates console writers with (the auditor's anchors, never the database's). */
export interface WriterTrust {
  store: TrustStore;
  policy: ValidationPolicy;
}

/** The configured trust anchors as a WriterTrust; null when none are configured (the store throws). */
export function writerTrustOf(
  store: () => TrustStore,
  policy: ValidationPolicy | (() => ValidationPolicy),
): WriterTrust | null {
  try {
    return { store: store(), policy: typeof policy === 'function' ? policy() : policy };
  } catch {
    return null;
  }
}

/**
 * Validates a writer's certificate for the login purpose against `trust`: revocation with the CRLs
 * held now (a card revoked since no longer vouches), validity periods at the time of the events it
 * signed (an expired card does not undo what it signed while valid). Judged at the first event's
 * time, or the last's when the first is outside; the path's window then bounds each event.
 */
export async function validateWriterCertificate(
  der: Uint8Array,
  trust: WriterTrust,
  span: { first: string; last: string },
): Promise<WriterCertificateCheck> {
  let x: X509Certificate;
  try {
    x = new X509Certificate(new Uint8Array(der));
  } catch {
    return { ok: false, code: 'CERT_MALFORMED', message: 'not a DER X.509 certificate' };
  }
  let last: Awaited<ReturnType<typeof validateCertificate>> | null = null;
  for (const t of new Set([span.first, span.last])) {
    const at = new Date(t);
    if (Number.isNaN(at.getTime())) continue;
    last = await validateCertificate(x, trust.store, 'login', { ...trust.policy, validityAt: at });
    if (last.ok || !OUT_OF_PERIOD.has(last.error.code)) break;
  }
  if (!last) return { ok: false, code: 'EVENT_TIME_INVALID', message: 'its events carry no valid time' };
  if (!last.ok) return { ok: false, code: last.error.code, message: last.error.message };
  const w = last.value.window;
  return {
    ok: true,
    window: { notBefore: w.notBefore.getTime(), notAfter: w.notAfter.getTime() },
    edipi: last.value.identity?.edipi ?? null,
  };
}
export type WriterCertificateCheck =
  | { ok: true; window: { notBefore: number; notAfter: number }; edipi: string | null }
  | { ok: false; code: string; message: string };
const OUT_OF_PERIOD = new Set(['CERT_EXPIRED', 'CERT_NOT_YET_VALID']);

/**
 * Writer authentication for the engine (docs/chain-format.md §8): the certificates the collected
 * events name, as enrolled in the control plane, each validated against `trust` (revocation now,
 * validity at the events' times); then every collected event judged. Without trust the enrolled
 * certificates are taken as they are, and a warning says so.
 */
export async function writerIssues(
  q: Queryable,
  streamed: StreamResult,
  trust: WriterTrust | null,
  chain: { tenantId: string; from: number; firstCheckpoint: number | null } | null = null,
): Promise<{ errors: VerificationIssue[]; warnings: VerificationIssue[] }> {
  const { rows, overflow, firstNamed } = streamed.writers;
  const bootstrap = chain ? await bootstrapIn(q, rows, chain) : new Set<number>();
  const named = referencedCertificates(rows);
  const enrolled = await certificatesBySha(q, [...named.keys()]);
  const certificates = new Map<string, OperatorCertificate>();
  const warnings: VerificationIssue[] = [];
  for (const c of enrolled) {
    if (!trust) {
      certificates.set(c.sha256, { operatorId: c.operatorId, der: c.der });
      continue;
    }
    const v = await validateWriterCertificate(c.der, trust, named.get(c.sha256)!);
    if (v.ok) certificates.set(c.sha256, { operatorId: c.operatorId, der: c.der, window: v.window });
  }
  if (!trust && enrolled.length > 0)
    warnings.push(
      issue('EVENT_WRITER_CERTS_UNVALIDATED', 'no trust anchors: writers authenticated by enrolled certificates only', {
        seq: -1,
        count: enrolled.length,
      }),
    );
  const errors: VerificationIssue[] = [];
  const unsignedClosesBelow = chain ? await signedCloseCutover(q, chain.tenantId) : 0;
  for (const w of authenticateWriters(rows, certificates, firstNamed, { bootstrap, unsignedClosesBelow })) {
    const v = issue(w.code, w.message, { seq: w.seq, ...(w.found !== undefined ? { found: w.found } : {}) });
    (v.severity === 'warning' ? warnings : errors).push(v);
  }
  if (overflow > 0)
    errors.push(
      issue('EVENT_WRITER_UNAUTHENTICATED', `${overflow} more events that are not gateway events were not checked`, {
        seq: streamed.lastSeq ?? 0,
        count: overflow,
      }),
    );
  return { errors, warnings };
}

/**
 * The system chain's bootstrap records among `rows` (pki/writer-auth.ts bootstrapRecords), in the
 * tenant the control plane records as its system tenant only, below the chain's first verified checkpoint; a range that starts after seq 0 reads the chain's start
 * to find where the bootstrap began.
 */
async function bootstrapIn(
  q: Queryable,
  rows: readonly { seq: number; bytes: Uint8Array }[],
  chain: { tenantId: string; from: number; firstCheckpoint: number | null },
): Promise<Set<number>> {
  const below = chain.firstCheckpoint ?? Number.MAX_SAFE_INTEGER;
  if (chain.from >= below || chain.from >= 1000 || (await systemTenant(q)) !== chain.tenantId) return new Set();
  const start = chain.from > 0 ? await storedRows(q, chain.tenantId, 0, chain.from) : [];
  return bootstrapRecords([...start, ...rows], below);
}
