import type pg from 'pg';
import { isTenantId } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import { checkSignedVersion, policyVersionDigest } from '../../../shared/policy';
import { nodeSignatureVerifier } from '../policy/node-verify';
import { enrolledCertificates } from '../controlplane/repos/operators';
import { policyVersionTexts, signaturesOf, versionBySha } from '../controlplane/repos/policy-versions';
import type { DecisionReverificationSummary, PolicyVersionUse, ReviewDecisionEntry } from '../../../shared/review';
import { copyBinaryTuples } from '../chain/copy-rows';
import { chainSize, decidedCountInRange, decisionRowsCopySql } from '../controlplane/repos/events';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import {
  DecisionReplayer,
  emptyReplayResult,
  mergeReplay,
  type ReplayVersion,
  type VersionProblem,
} from '../policy/decision-replayer';

export { mergeReplay };
import { sharedReplayPool, type ReplayJob, type ReplayPool } from '../policy/reverify-pool';
import { RowPacker, routeOf, unpackRows } from '../policy/reverify-protocol';

/**
 * Bulk decision re-verification of a range of one tenant's chain: the policy
 * versions are loaded once and checked against their digests (the database is not trusted), the
 * decision rows stream from PostgreSQL by binary COPY, and the console's shared worker pool (one
 * per core, reverify-pool.ts) replays them in batches with the gateway's engine. Read-only:
 * cancelling leaves nothing behind. docs/reverify.md has the design and the figures.
 */

/** The approval-signature check of a policy version used by the decisions being re-verified. */
export type PolicySignatureCheck = (
  client: pg.PoolClient,
  tenantId: string,
  version: { sha256: string; blake3: string },
) => Promise<{ status: PolicyVersionUse['signatures']; detail: string }>;

/**
 * Engineer B's two-person-integrity verifier (shared/policy checkSignedVersion, with the policy
 * store's loaders and node:crypto), the same check the gateway applies before it loads a version:
 * author and approver signatures over this exact digest, by enrolled signing certificates of
 * active operators holding the roles, the approver not being the author.
 */
export const approvalSignatures: PolicySignatureCheck = async (client, tenantId, version) => {
  const stored = await versionBySha(client, tenantId, version.sha256);
  if (!stored) return { status: 'missing-version', detail: 'the version is not in the control plane' };
  const signatures = (await signaturesOf(client, tenantId, [version.sha256])).get(version.sha256) ?? [];
  if (signatures.length === 0)
    return { status: 'unsigned', detail: 'no author or approver signature is recorded for this version' };
  const certs = await enrolledCertificates(
    client,
    tenantId,
    signatures.map((x) => x.certificateSha256),
  );
  const check = checkSignedVersion(stored, signatures, (sha) => certs.get(sha), nodeSignatureVerifier);
  if (check.ok)
    return {
      status: 'verified',
      detail: 'author and approver signatures verify (two different operators, enrolled certificates, roles held)',
    };
  return {
    status: 'invalid',
    detail: check.findings.map((f) => `${f.problem}${f.role ? ` (${f.role})` : ''}: ${f.message}`).join('; '),
  };
};

export interface ReverifyProgress {
  processed: number;
  total: number;
  seq: number;
  decisionsPerSecond: number;
}

export interface ReverifyOptions {
  from?: number;
  to?: number;
  /** Worker threads of the pool to use (default: all, one per core); 0 replays inline on this thread (tests, tiny ranges). */
  workers?: number;
  /** The pool (default: the console's shared pool). */
  pool?: ReplayPool;
  /** Decisions per worker batch. */
  pageSize?: number;
  cacheLimit?: number;
  /** Entries kept per list (mismatches, errored); the rest are counted in `omitted`. */
  cap?: number;
  signal?: AbortSignal;
  onProgress?: (p: ReverifyProgress) => void;
  signatureCheck?: PolicySignatureCheck;
}

export interface DecisionReverification extends DecisionReverificationSummary {
  tenantId: string;
  policyVersions: PolicyVersionUse[];
  cacheHits: number;
  /** Decisions that went through the cache of identical requests (hit rate = cacheHits / cacheLookups). */
  cacheLookups: number;
  workers: number;
  durationMs: number;
  decisionsPerSecond: number;
}

/** Loads every policy version of the tenant and checks each text against the digests it is keyed by. */
export async function loadReplayVersions(
  client: pg.PoolClient,
  tenantId: string,
): Promise<{ versions: ReplayVersion[]; problems: VersionProblem[] }> {
  const rows = await policyVersionTexts(client, tenantId);
  const versions: ReplayVersion[] = [];
  const problems: VersionProblem[] = [];
  for (const r of rows) {
    const sha256 = r.sha256.toString('hex');
    const blake3 = r.blake3.toString('hex');
    // The version digest covers the text, the schema and the tests (docs/policy-versions.md).
    const tests = Array.isArray(r.tests) ? r.tests : [];
    const actual = policyVersionDigest({ policies: r.policy_text, schema: r.schema_text, tests });
    if (actual.sha256 !== sha256 || actual.blake3 !== blake3) {
      problems.push({
        sha256,
        code: 'POLICY_VERSION_ALTERED',
        message: `the stored text, schema and tests of policy version ${sha256} hash to ${actual.sha256}: the version was changed after it was recorded`,
      });
    } else versions.push({ sha256, blake3, text: r.policy_text, schema: r.schema_text, tests });
  }
  return { versions, problems };
}

/** Rows per batch sent to a worker: large enough that messages cost nothing next to Cedar, small enough to spread over the workers. */
const BATCH_ROWS = 512;

const cancelled = () => new ArxFailure('CANCELLED', 'The decision re-verification was cancelled; nothing was written.');

export async function reverifyDecisions(
  pool: pg.Pool,
  tenantId: string,
  opts: ReverifyOptions = {},
): Promise<DecisionReverification> {
  const started = Date.now();
  if (!isTenantId(tenantId))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenantId' });
  const cap = opts.cap ?? 1000;
  const batchRows = opts.pageSize ?? BATCH_ROWS;
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();
  let job = null as ReplayJob | null;
  try {
    return await withTenant(
      pool,
      tenantId,
      async (client) => {
        if (!(await tenantById(client, tenantId)))
          throw new ArxFailure('NOT_FOUND', `No tenant ${tenantId} (or no access to it).`, { tenantId });
        const from = opts.from ?? 0;
        const to = opts.to ?? (await chainSize(client, tenantId)) - 1;
        if (!Number.isSafeInteger(from) || from < 0)
          throw new ArxFailure('INVALID_REQUEST', 'fromSeq must be a non-negative integer.', { path: 'fromSeq' });
        if (!Number.isSafeInteger(to) || (to >= 0 && to < from))
          throw new ArxFailure('INVALID_REQUEST', `toSeq ${to} is before fromSeq ${from}.`, { path: 'toSeq' });
        // The count comes from the type column (an estimate for the progress bar); the rows below are also
        // selected by their bytes, so a decision filed under another type is still found.
        const estimate = await decidedCountInRange(client, tenantId, from, to);
        const { versions, problems } = await loadReplayVersions(client, tenantId);

        const threads = opts.workers;
        const spec = { versions, problems, cacheLimit: opts.cacheLimit ?? 20_000, cap, compare: 'sets' as const };
        const inline = threads === 0 ? new DecisionReplayer(versions, problems, spec.cacheLimit) : null;
        if (!inline) job = (opts.pool ?? sharedReplayPool()).openJob(spec, threads);
        // Two batches queued per worker keep every worker busy while the next batch is read.
        const perWorker = 2;
        const queued = Array.from({ length: job?.workers ?? 1 }, () => 0);
        // Wait while every worker has its queue full, or one has a batch beyond it (the others are busy then).
        const mustWait = () => {
          let min = Infinity;
          let max = 0;
          for (const q of queued) {
            if (q < min) min = q;
            if (q > max) max = q;
          }
          return min >= perWorker || max > perWorker;
        };

        const total = emptyReplayResult();
        const inFlight = new Set<Promise<void>>();
        let lastSeq = from - 1;
        let failure: unknown = null;
        const report = () => {
          const secs = Math.max(0.001, (Date.now() - started) / 1000);
          opts.onProgress?.({
            processed: total.total,
            total: Math.max(estimate, total.total),
            seq: lastSeq,
            decisionsPerSecond: Math.round(total.total / secs),
          });
        };
        // One packer per worker: identical requests are routed to the same worker (its cache).
        const packers = Array.from({ length: job?.workers ?? 1 }, () => new RowPacker());
        const flush = async (w: number) => {
          const packer = packers[w]!;
          if (packer.count === 0) return;
          if (inline) {
            mergeReplay(total, inline.replay(unpackRows(packer.take()), cap));
            report();
            return;
          }
          // A batch goes to the worker its requests were routed to (its cache of identical requests), unless
          // that worker's queue is full and another worker has nothing left to do: then to that one, so that
          // no worker idles while this thread waits. Only a routing choice: it can cost a cache miss, never
          // an answer.
          let target = w;
          if (queued[w]! >= perWorker) {
            const idle = queued.indexOf(0);
            if (idle >= 0) target = idle;
          }
          queued[target]!++;
          const settled = () => {
            inFlight.delete(p);
            queued[target]!--;
            report();
          };
          const p: Promise<void> = job!.replay(packer.take(), target).then(
            (r) => {
              mergeReplay(total, r);
              settled();
            },
            (err: unknown) => {
              failure ??= err;
              settled();
            },
          );
          inFlight.add(p);
          while (mustWait()) await Promise.race(inFlight);
        };
        if (to >= 0) {
          // Binary COPY: the stored bytes arrive as they are (no hex text, no driver row objects), in one
          // stream under the snapshot; the worker batches are packed straight from the received chunks.
          for await (const tuples of copyBinaryTuples(client, decisionRowsCopySql(tenantId, from, to), 4)) {
            if (signal?.aborted) throw cancelled();
            if (failure) throw failure;
            for (const [s, id, bytes, column] of tuples) {
              // int8 as two halves: no BigInt per row (seqs stay below 2^53).
              lastSeq = s!.readUInt32BE(0) * 0x1_0000_0000 + s!.readUInt32BE(4);
              const w = routeOf(bytes!, packers.length);
              const packer = packers[w]!;
              packer.add(lastSeq, bytes!, id!, column![0] === 1);
              if (packer.count >= batchRows) await flush(w);
            }
          }
          for (let w = 0; w < packers.length; w++) await flush(w);
        }
        await Promise.all(inFlight);
        if (failure) throw failure;
        if (signal?.aborted) throw cancelled();

        const check = opts.signatureCheck ?? approvalSignatures;
        const known = new Map(versions.map((v) => [v.sha256, v]));
        const altered = new Map(problems.map((p) => [p.sha256, p]));
        const policyVersions: PolicyVersionUse[] = [];
        for (const [sha256, use] of Object.entries(total.perVersion).sort(([a], [b]) => (a < b ? -1 : 1))) {
          const v = known.get(sha256);
          if (!v) {
            const p = altered.get(sha256);
            policyVersions.push({
              sha256,
              blake3: use.blake3,
              decisions: use.count,
              signatures: 'missing-version',
              detail: p ? p.message : 'the version is not in the control plane',
            });
            continue;
          }
          const s = await check(client, tenantId, v);
          policyVersions.push({
            sha256,
            blake3: v.blake3,
            decisions: use.count,
            signatures: s.status,
            detail: s.detail,
          });
        }

        const bySeq = (a: ReviewDecisionEntry, b: ReviewDecisionEntry) => a.seq - b.seq;
        const mismatches = total.mismatches.sort(bySeq).slice(0, cap);
        const errored = total.errored.sort(bySeq).slice(0, cap);
        const omitted = total.mismatched + total.unverifiable - mismatches.length + (total.withErrors - errored.length);
        const durationMs = Date.now() - started;
        return {
          tenantId,
          fromSeq: from,
          toSeq: Math.max(to, from),
          total: total.total,
          matched: total.matched,
          mismatched: total.mismatched,
          withErrors: total.withErrors,
          unverifiable: total.unverifiable,
          mismatches,
          errored,
          omitted,
          policyVersions,
          cacheHits: total.cacheHits,
          cacheLookups: total.cacheLookups,
          workers: job?.workers ?? 0,
          durationMs,
          decisionsPerSecond: Math.round(total.total / Math.max(0.001, durationMs / 1000)),
        };
      },
      { snapshot: true, ...(signal ? { signal } : {}) },
    );
  } catch (err) {
    // Cancelled mid-COPY: the connection was dropped, and the read-only transaction with it.
    if (signal?.aborted) throw err instanceof ArxFailure && err.code === 'CANCELLED' ? err : cancelled();
    throw err;
  } finally {
    job?.close();
  }
}
