import type pg from 'pg';
import { isTenantId } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import type { DecisionReverificationSummary, PolicyVersionUse, ReviewDecisionEntry } from '../../../shared/review';
import { copyBinaryTuples } from '../chain/copy-rows';
import { chainSize, decidedCountInRange, decisionRowsCopySql } from '../controlplane/repos/events';
import { tenantById } from '../controlplane/repos/tenants';
import { withTenant } from '../controlplane/tenant-session';
import { DecisionReplayer, mergeReplay, type ReplayBatchResult } from '../policy/decision-replayer';
import { sharedReplayPool, type ReplayJob, type ReplayPool } from '../policy/reverify-pool';
import { DecisionDispatcher } from './reverify-dispatch';
import {
  approvalSignatures,
  loadReplayVersions,
  policyVersionUses,
  type PolicySignatureCheck,
} from './reverify-versions';

export { mergeReplay };
export { approvalSignatures, loadReplayVersions, type PolicySignatureCheck };

/**
 * Bulk decision re-verification of a range of one tenant's chain: the policy
 * versions are loaded once and checked against their digests (the database is not trusted), the
 * decision rows stream from PostgreSQL by binary COPY, and the console's shared worker pool (one
 * per core, reverify-pool.ts) replays them in batches with the gateway's engine. Read-only:
 * cancelling leaves nothing behind. docs/reverify.md has the design and the figures.
 */

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

/** Rows per batch sent to a worker: large enough that messages cost nothing next to Cedar, small enough to spread over the workers. */
const BATCH_ROWS = 512;

const cancelled = () => new ArxFailure('CANCELLED', 'The decision re-verification was cancelled; nothing was written.');

/** The seq range asked for (default: the whole chain), checked. */
async function resolveRange(client: pg.PoolClient, tenantId: string, opts: ReverifyOptions) {
  if (!(await tenantById(client, tenantId)))
    throw new ArxFailure('NOT_FOUND', `No tenant ${tenantId} (or no access to it).`, { tenantId });
  const from = opts.from ?? 0;
  const to = opts.to ?? (await chainSize(client, tenantId)) - 1;
  if (!Number.isSafeInteger(from) || from < 0)
    throw new ArxFailure('INVALID_REQUEST', 'fromSeq must be a non-negative integer.', { path: 'fromSeq' });
  if (!Number.isSafeInteger(to) || (to >= 0 && to < from))
    throw new ArxFailure('INVALID_REQUEST', `toSeq ${to} is before fromSeq ${from}.`, { path: 'toSeq' });
  return { from, to };
}

/** The summary of a finished run: lists in seq order, capped, the rest counted in `omitted`. */
function reverification(
  base: { tenantId: string; from: number; to: number; started: number; workers: number; cap: number },
  total: ReplayBatchResult,
  policyVersions: PolicyVersionUse[],
): DecisionReverification {
  const { tenantId, from, to, cap } = base;
  const bySeq = (a: ReviewDecisionEntry, b: ReviewDecisionEntry) => a.seq - b.seq;
  const mismatches = total.mismatches.sort(bySeq).slice(0, cap);
  const errored = total.errored.sort(bySeq).slice(0, cap);
  const omitted = total.mismatched + total.unverifiable - mismatches.length + (total.withErrors - errored.length);
  const durationMs = Date.now() - base.started;
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
    workers: base.workers,
    durationMs,
    decisionsPerSecond: Math.round(total.total / Math.max(0.001, durationMs / 1000)),
  };
}

export async function reverifyDecisions(
  pool: pg.Pool,
  tenantId: string,
  opts: ReverifyOptions = {},
): Promise<DecisionReverification> {
  const started = Date.now();
  if (!isTenantId(tenantId))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenantId' });
  const cap = opts.cap ?? 1000;
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();
  let job = null as ReplayJob | null;
  try {
    return await withTenant(
      pool,
      tenantId,
      async (client) => {
        const { from, to } = await resolveRange(client, tenantId, opts);
        // The count comes from the type column (an estimate for the progress bar); the rows below are also
        // selected by their bytes, so a decision filed under another type is still found.
        const estimate = await decidedCountInRange(client, tenantId, from, to);
        const loaded = await loadReplayVersions(client, tenantId);
        const { versions, problems } = loaded;
        const spec = { versions, problems, cacheLimit: opts.cacheLimit ?? 20_000, cap };
        const inline = opts.workers === 0 ? new DecisionReplayer(versions, problems, spec.cacheLimit) : null;
        if (!inline) job = (opts.pool ?? sharedReplayPool()).openJob(spec, opts.workers);
        let lastSeq = from - 1;
        const report = () => {
          const secs = Math.max(0.001, (Date.now() - started) / 1000);
          const done = d.total.total;
          opts.onProgress?.({
            processed: done,
            total: Math.max(estimate, done),
            seq: lastSeq,
            decisionsPerSecond: Math.round(done / secs),
          });
        };
        const batchRows = opts.pageSize ?? BATCH_ROWS;
        const d = new DecisionDispatcher(job, inline, { cap, batchRows, onBatch: report });
        if (to >= 0) {
          // Binary COPY: the stored bytes arrive as they are (no hex text, no driver row objects), in one
          // stream under the snapshot; the worker batches are packed straight from the received chunks.
          for await (const tuples of copyBinaryTuples(client, decisionRowsCopySql(tenantId, from, to), 4)) {
            if (signal?.aborted) throw cancelled();
            d.rethrow();
            for (const [s, id, bytes, column] of tuples) {
              // int8 as two halves: no BigInt per row (seqs stay below 2^53).
              lastSeq = s!.readUInt32BE(0) * 0x1_0000_0000 + s!.readUInt32BE(4);
              const sent = d.add(lastSeq, bytes!, id!, column![0] === 1);
              if (sent) await sent;
            }
          }
        }
        await d.finish();
        if (signal?.aborted) throw cancelled();
        const uses = await policyVersionUses(
          client,
          tenantId,
          d.total,
          loaded,
          opts.signatureCheck ?? approvalSignatures,
        );
        return reverification({ tenantId, from, to, started, workers: job?.workers ?? 0, cap }, d.total, uses);
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
