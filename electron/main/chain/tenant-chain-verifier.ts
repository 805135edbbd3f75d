import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { isTenantId } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import { terminateBackend } from '../controlplane/repos/backends';
import { withTenant, type TransactionControl } from '../controlplane/tenant-session';
import { tenantById } from '../controlplane/repos/tenants';
import { checkCheckpointSeries, type CheckpointSeriesResult } from './checkpoint-series';
import { compareDocuments, type DocumentsResult } from './compare-documents';
import { checkPolicyVersions } from './policy-rehash';
import { streamChain, type CopyState } from './stream-chain';
import type { StreamResult } from './stream-verifier';
import { writerIssues } from './writer-check';
import { grantIssues } from './grant-check';
import {
  cancelled,
  fromChain,
  issue,
  type ChainVerification,
  type VerificationIssue,
  type VerifyOptions,
  type VerifyRange,
} from './verification';
import { requestedRange, resolveRange, type ResolvedRange } from './verify-range';
import { progressReporter } from './verify-progress';

export {
  CHECKPOINT_ISSUE_CODES,
  ENGINE_ISSUE_CODES,
  type ChainVerification,
  type EngineIssueCode,
  type VerificationIssue,
  type VerifyOptions,
  type VerifyProgress,
  type VerifyRange,
} from './verification';

/**
 * The console's verification engine for one tenant's audit chain (the ISSO's Verify screen,
 * `arx chain verify`, reviews), in four steps inside one read-only snapshot: resolve the range
 * (verify-range.ts), check the checkpoint series (checkpoint-series.ts) and the policy versions
 * (policy-rehash.ts), stream the chain (stream-chain.ts) and authenticate its console writers
 * (writer-check.ts), compare the jsonb copies
 * (compare-documents.ts).
 *
 * Cancelling (signal) interrupts what the connection runs and drops it: the read-only transaction
 * ends with it, and nothing is written by a verification at any point.
 */
export async function verifyTenantChain(
  pool: pg.Pool,
  tenantId: string,
  opts: VerifyOptions = {},
): Promise<ChainVerification> {
  const startedAt = new Date();
  const t0 = performance.now();
  if (!isTenantId(tenantId))
    throw new ArxFailure('INVALID_REQUEST', `Not a tenant id: ${tenantId.slice(0, 40)}`, { path: 'tenant' });
  const requested = requestedRange(opts);
  const signal = opts.signal;
  if (signal?.aborted) throw cancelled();
  // While the COPY streams, the connection can run nothing else: a failure then (a worker that
  // died, a malformed tuple) drops it instead of queueing a ROLLBACK behind an unread COPY.
  const conn: CopyState & { dropped: boolean } = { midCopy: false, dropped: false };
  let pid: number | undefined;
  let control: TransactionControl | undefined;
  try {
    const parts = await withTenant(
      pool,
      tenantId,
      async (client, tx) => {
        pid = (client as unknown as { processID?: number }).processID;
        control = tx;
        try {
          return await verifyInSnapshot(client, tenantId, requested, opts, conn);
        } catch (err) {
          if (conn.midCopy && !signal?.aborted) {
            conn.dropped = true;
            tx.drop();
          }
          throw err;
        }
      },
      { snapshot: true, ...(signal ? { signal } : {}) },
    );
    return assemble(tenantId, requested, parts, { startedAt, t0, workers: opts.pool?.size ?? 0 });
  } catch (err) {
    throw failure(err, conn.dropped, signal);
  } finally {
    // A cancel is over only when the server has stopped too: the dropped backend has exited
    // (PostgreSQL notices a closed socket only at its next read). Bounded, so a control plane
    // that went away cannot hold the cancel.
    // Only a dropped connection: one returned to the pool is idle, and killing it would make the
    // pool report the control plane unreachable.
    if (signal?.aborted && pid && control?.dropped) await settleBackend(pool, pid);
  }
}

interface Parts {
  range: ResolvedRange;
  series: CheckpointSeriesResult;
  policy: { checked: number; issues: VerificationIssue[] };
  streamed: StreamResult;
  blake3: string;
  foreign: { errors: VerificationIssue[]; warnings: VerificationIssue[] };
  writers: { errors: VerificationIssue[]; warnings: VerificationIssue[] };
  grants: { errors: VerificationIssue[]; warnings: VerificationIssue[] };
  docs: DocumentsResult;
}

/** The four steps, inside the tenant's read-only snapshot (withTenant). */
async function verifyInSnapshot(
  client: pg.PoolClient,
  tenantId: string,
  requested: VerifyRange,
  opts: VerifyOptions,
  conn: CopyState,
): Promise<Parts> {
  const signal = opts.signal;
  if (!(await tenantById(client, tenantId)))
    throw new ArxFailure('NOT_FOUND', `No tenant ${tenantId} (or it is not visible to this session).`);
  const range = await resolveRange(client, tenantId, requested);
  const progress = progressReporter(opts.onProgress, range.total, opts.progressIntervalMs ?? 200);
  progress.phase('checkpoints');
  const series = await checkCheckpointSeries(client, tenantId);
  const policy = await checkPolicyVersions(client, tenantId);
  if (signal?.aborted) throw cancelled();
  const { to } = range;
  const { streamed, kernel } = await streamChain(
    client,
    {
      tenantId,
      from: range.from,
      to,
      checkpoints: series.verified.filter((c) => to === null || c.size - 1 <= to),
      opts,
      progress,
      signal,
    },
    conn,
  );
  const foreign = foreignIssues(tenantId, streamed, range.from);
  const firstCheckpoint = series.verified.reduce<number | null>(
    (m, c) => (m === null || c.size < m ? c.size : m),
    null,
  );
  const writers = await writerIssues(client, streamed, opts.writerTrust ?? null, {
    tenantId,
    from: range.from,
    firstCheckpoint,
  });
  const grants = await grantIssues(client, tenantId);
  let docs: DocumentsResult = { documents: 'skipped', errors: [], warnings: [] };
  if (opts.checkDocuments !== false) {
    progress.phase('documents');
    const modified = new Set(
      streamed.report.errors.filter((i) => i.code === 'EVENT_DIGEST_MISMATCH').map((i) => i.details.seq),
    );
    docs = await compareDocuments(client, tenantId, range, modified, signal);
  }
  if (signal?.aborted) throw cancelled();
  return { range, series, policy, streamed, blake3: kernel.blake3.name, foreign, writers, grants, docs };
}

/** Events that name another tenant in their own bytes: the first few listed, the rest counted. */
function foreignIssues(tenantId: string, streamed: StreamResult, from: number): Parts['foreign'] {
  const { foreign, lastSeq } = streamed;
  const errors = foreign.first.map((f) =>
    issue('EVENT_FOREIGN_TENANT', 'the event names another tenant in its own bytes: it was copied from another chain', {
      seq: f.seq,
      expected: tenantId,
      found: f.found,
    }),
  );
  const warnings =
    foreign.count > foreign.first.length
      ? [
          issue('DOC_UNCHECKED', `${foreign.count - foreign.first.length} more events name another tenant`, {
            seq: lastSeq ?? from,
            count: foreign.count - foreign.first.length,
          }),
        ]
      : [];
  return { errors, warnings };
}

/** The result (docs/chain-format.md §5.3): every problem by seq, the anchor, the tail, the counts. */
function assemble(
  tenantId: string,
  requested: VerifyRange,
  p: Parts,
  run: { startedAt: Date; t0: number; workers: number },
): ChainVerification {
  const { from, to, fromTime, toTime } = p.range;
  const { report, rows, bytes, firstSeq, lastSeq } = p.streamed;
  const verified = p.series.verified;
  // Same order as found: checkpoints, policy versions, foreign tenants, documents; then by seq (stable).
  const errors = [
    ...[...p.series.issues, ...p.policy.issues, ...p.foreign.errors, ...p.writers.errors, ...p.grants.errors],
    ...p.docs.errors,
  ];
  const warnings = [...p.foreign.warnings, ...p.writers.warnings, ...p.grants.warnings, ...p.docs.warnings];
  const all = [...report.errors.map(fromChain), ...errors].sort((a, b) => a.details.seq - b.details.seq);
  const warn = [...report.warnings.map(fromChain), ...warnings].sort((a, b) => a.details.seq - b.details.seq);
  const inRange = verified.filter((c) => to === null || c.size - 1 <= to);
  const anchor = inRange.filter((c) => c.size > 0).pop() ?? null;
  const tailIssue = report.warnings.find((w) => w.code === 'TAIL_NOT_CHECKPOINTED');
  const later = to === null ? undefined : verified.find((c) => c.size - 1 > to);
  const ok = all.length === 0 && report.ok;
  return {
    ok,
    verdict: ok ? 'intact' : 'broken',
    tenantId,
    range: { kind: requested.kind, fromSeq: from, toSeq: to, fromTime, toTime },
    from,
    to,
    rows,
    bytes,
    firstSeq,
    lastSeq,
    head: { size: report.size, hash: toHex(report.head) },
    checkpoints: {
      total: p.series.total,
      verified: verified.length,
      newestSize: verified.length ? verified[verified.length - 1]!.size : null,
    },
    checkpoint: anchor
      ? {
          treeSize: anchor.size,
          rootSha256: toHex(anchor.root),
          headBlake3: toHex(anchor.head),
          issuedAt: anchor.time,
          keyName: anchor.keyName,
          note: anchor.note,
        }
      : null,
    tail: tailIssue
      ? {
          fromSeq: tailIssue.details.seq,
          count: tailIssue.details.count ?? 0,
          laterCheckpointSize: later ? later.size : null,
        }
      : null,
    errors: all,
    warnings: warn,
    omitted: report.omitted,
    policyVersions: { checked: p.policy.checked, modified: p.policy.issues.length },
    documents: p.docs.documents,
    startedAt: run.startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    durationMs: Math.round(performance.now() - run.t0),
    engine: { format: 'arx-chain-v1', blake3: p.blake3, workers: run.workers },
  };
}

/** The error to throw for a failed verification (withTenant has ended the transaction). */
function failure(err: unknown, droppedMidCopy: boolean, signal: AbortSignal | undefined): unknown {
  if (droppedMidCopy) return err;
  if (signal?.aborted) return err instanceof ArxFailure && err.code === 'CANCELLED' ? err : cancelled();
  if (err instanceof ArxFailure) return err;
  const code = (err as { code?: string }).code;
  if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01') {
    return new ArxFailure(
      'DB_UNREACHABLE',
      `The control plane went away during verification: ${(err as Error).message}`,
    );
  }
  return err;
}

async function settleBackend(pool: pg.Pool, pid: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 6000)));
  const work = terminateBackend(pool, pid, 5000).catch(() => {});
  await Promise.race([work, bound]);
  clearTimeout(timer);
}
