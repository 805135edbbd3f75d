import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import {
  CHAIN_WARNING_CODES,
  isTenantId,
  problemMeaning,
  type Blake3,
  type ChainCheckpoint,
  type ChainIssue,
  type ChainStart,
} from '../../../shared/chain';
import { openArxCheckpoint, type NoteVerifier } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { MerkleFrontier, verifyConsistency } from '../../../shared/merkle';
import { policyVersionOf } from '../../../shared/policy/policy-set';
import { policyVersionDigest } from '../../../shared/policy/version';
import { chainRowsSql, copyChainHashes, copyTupleBlocks } from './copy-rows';
import type { DigestPool } from './digest-pool';
import { loadHashKernel } from './hash-kernel';
import { nodeEd25519Verifier } from './node-crypto';
import { ChainStreamVerifier, type StreamInit, type StreamResult } from './stream-verifier';

/** Problems found beside the chain's own codes (shared/chain/issues.ts); docs/chain-format.md §5.1. */
export const ENGINE_ISSUE_CODES = [
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_KEY_UNKNOWN',
  'CHECKPOINT_KEY_OUTSIDE_WINDOW',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_ROW_MISMATCH',
  'CHECKPOINT_CONSISTENCY_INVALID',
  'EVENT_FOREIGN_TENANT',
  'DOC_MISMATCH',
  'DOC_UNCHECKED',
  'POLICY_VERSION_MODIFIED',
] as const;
export type EngineIssueCode = (typeof ENGINE_ISSUE_CODES)[number];
/** Kept for callers of the first version of this module. */
export const CHECKPOINT_ISSUE_CODES = ENGINE_ISSUE_CODES;
const ENGINE_WARNINGS: ReadonlySet<string> = new Set(['DOC_UNCHECKED']);

export interface VerificationIssue {
  code: ChainIssue['code'] | EngineIssueCode;
  message: string;
  /** One plain sentence for a person (shared/chain/meaning.ts). */
  meaning: string;
  severity: 'error' | 'warning';
  details: { seq: number; lastSeq?: number; count?: number; expected?: string; found?: string; [k: string]: unknown };
}

/** What to verify. Seq bounds are inclusive; a time range is resolved to the seqs it covers. */
export type VerifyRange =
  { kind: 'all' } | { kind: 'seq'; from: number; to: number | null } | { kind: 'time'; from: string; to: string };

export interface VerifyProgress {
  phase: 'checkpoints' | 'events' | 'documents';
  rows: number;
  bytes: number;
  /** Last seq pushed through the verifier. */
  seq: number;
  /** Events the range holds (from the stored seqs), or null before it is known. */
  total: number | null;
  eventsPerSecond: number;
  secondsLeft: number | null;
}

/**
 * The complete result of one verification (docs/chain-format.md §5.3). Everything a reviewer signs
 * is here: tenant, range, counts, every problem, and the checkpoint the events were anchored on.
 */
export interface ChainVerification {
  ok: boolean;
  verdict: 'intact' | 'broken';
  tenantId: string;
  range: {
    kind: VerifyRange['kind'];
    fromSeq: number;
    toSeq: number | null;
    fromTime: string | null;
    toTime: string | null;
  };
  /** Same as range.fromSeq / range.toSeq (first version of this result). */
  from: number;
  to: number | null;
  rows: number;
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The stored chain hash after the last verified event (hex BLAKE3), and the chain position after it. */
  head: { size: number; hash: string };
  checkpoints: { total: number; verified: number; newestSize: number | null };
  /** The newest verified checkpoint inside the range: the events up to its size are anchored on it. */
  checkpoint: {
    treeSize: number;
    rootSha256: string;
    headBlake3: string;
    issuedAt: string;
    keyName: string;
    note: string;
  } | null;
  /**
   * Events after that checkpoint: chained, but not covered by a signed checkpoint checked here.
   * `laterCheckpointSize`: a verified checkpoint beyond the range's end that covers them, whose
   * root a verification of this range does not recompute (null: none yet — the usual tail).
   */
  tail: { fromSeq: number; count: number; laterCheckpointSize: number | null } | null;
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
  /** Problems beyond the listing limit, counted only. */
  omitted: number;
  policyVersions: { checked: number; modified: number };
  documents: 'checked' | 'skipped' | 'unchecked';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  engine: { format: 'arx-chain-v1'; blake3: string; workers: number };
}

export interface VerifyOptions {
  /** Shorthands for range {kind:'seq'}. */
  from?: number;
  to?: number;
  range?: VerifyRange;
  /** Not used any more: the engine always hashes with its WASM kernel (hash-kernel.ts), on whichever thread. */
  blake3?: Blake3;
  /** Worker threads for the per-row work (digests, links, tree, ChainVerifier); null or absent: everything on this thread. */
  pool?: DigestPool | null;
  /** Compare every jsonb copy with its stored bytes (default true). */
  checkDocuments?: boolean;
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
  maxIssues?: number;
  /** Minimum time between two progress reports (default 200 ms; 0: after every batch). */
  progressIntervalMs?: number;
  /** Rows per worker batch (default 8192); smaller batches mean finer progress and cancel points. */
  batchRows?: number;
}

interface CheckpointRow {
  tree_size: string;
  root: Buffer;
  note: string;
  key_name: string;
  issued_at: Date;
  consistency_proof: Buffer[];
}

const BATCH_ROWS = 4096;
/** Bytes per block; a block ends after the tuple that reaches it, so a slot holds that and one event of up to SLOT_BYTES - BATCH_BYTES. */
const BATCH_BYTES = 512 << 10;
const SLOT_BYTES = 1 << 20;
const MAX_IN_FLIGHT = 4;

function issue(
  code: VerificationIssue['code'],
  message: string,
  details: VerificationIssue['details'],
): VerificationIssue {
  const severity =
    CHAIN_WARNING_CODES.has(code as ChainIssue['code']) || ENGINE_WARNINGS.has(code) ? 'warning' : 'error';
  return { code, message, meaning: problemMeaning({ code, details }), severity, details };
}

const fromChain = (i: ChainIssue): VerificationIssue => issue(i.code, i.message, i.details);

function cancelled(): ArxFailure {
  return new ArxFailure('CANCELLED', 'Verification was cancelled; nothing was written.');
}

/**
 * The console's verification engine for one tenant's audit chain (the ISSO's Verify screen,
 * `arx chain verify`, reviews): every checkpoint's signature against the registered gateway keys
 * and their validity windows, the consistency between consecutive checkpoints, every event's
 * digest, link and seq (ChainVerifier, which continues past every break), every checkpoint root
 * and head, the tenant each event names, the jsonb copies and the policy versions' texts.
 *
 * Rows stream from the database with binary COPY inside one read-only snapshot. With a DigestPool
 * (the console's default) this thread only frames whole tuples into a ring of shared slots and one
 * worker runs the per-row pipeline (parse, digest, link, leaf hash, ChainVerifier) in place;
 * without one, the same ChainStreamVerifier runs here. Cancelling (signal) drops the connection:
 * the read-only transaction ends with it, and nothing is written by a verification at any point.
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
  const requested: VerifyRange =
    opts.range ??
    (opts.from !== undefined || opts.to !== undefined
      ? { kind: 'seq', from: opts.from ?? 0, to: opts.to ?? null }
      : { kind: 'all' });
  const signal = opts.signal;
  const errors: VerificationIssue[] = [];
  const warnings: VerificationIssue[] = [];
  const client = await pool.connect();
  let destroy = false;
  // While the COPY streams, the connection can run nothing else: a failure then (a worker that
  // died, a malformed tuple) drops it instead of queueing a ROLLBACK behind an unread COPY.
  let midCopy = false;
  // Cancelling interrupts whatever the connection is running (a COPY, the jsonb comparison).
  const pid = (client as unknown as { processID?: number }).processID;
  let cancelQuery: Promise<unknown> | null = null;
  const abortListener = () => {
    destroy = true;
    if (pid) cancelQuery = pool.query('SELECT pg_cancel_backend($1)', [pid]).catch(() => {});
  };
  signal?.addEventListener('abort', abortListener);
  try {
    if (signal?.aborted) throw cancelled();
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY');
    await client.query("SELECT set_config('arx.tenant_id', $1, true)", [tenantId]);
    const tenant = await client.query('SELECT 1 FROM arx.tenants WHERE id = $1', [tenantId]);
    if (tenant.rowCount === 0)
      throw new ArxFailure('NOT_FOUND', `No tenant ${tenantId} (or it is not visible to this session).`);

    // 0. The range, in seqs.
    let from = 0;
    let to: number | null = null;
    let fromTime: string | null = null;
    let toTime: string | null = null;
    if (requested.kind === 'seq') {
      from = requested.from;
      to = requested.to;
      if (!Number.isSafeInteger(from) || from < 0 || (to !== null && (!Number.isSafeInteger(to) || to < from))) {
        throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'A seq range needs 0 ≤ from ≤ to.', { path: 'range' });
      }
    } else if (requested.kind === 'time') {
      fromTime = requested.from;
      toTime = requested.to;
      const a = new Date(fromTime);
      const b = new Date(toTime);
      if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime()) || b < a)
        throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'A time range needs two times, from ≤ to.', {
          path: 'range',
        });
      // The events' stored times choose the seqs; the chain itself is then checked by seq.
      // The smallest seq range that holds every event stored with a time inside the window.
      const bounds = await client.query<{ lo: string | null; hi: string | null }>(
        'SELECT min(seq) AS lo, max(seq) AS hi FROM arx.audit_events WHERE tenant_id = $1 AND time >= $2::timestamptz AND time <= $3::timestamptz',
        [tenantId, fromTime, toTime], // as text: microseconds survive (a Date keeps milliseconds)
      );
      const lo = bounds.rows[0]?.lo ?? null;
      const hi = bounds.rows[0]?.hi ?? null;
      if (lo === null || hi === null) {
        throw new ArxFailure('AUDIT_VERIFY_RANGE_EMPTY', `No events between ${fromTime} and ${toTime}.`, {
          path: 'range',
        });
      }
      from = Number(lo);
      to = Number(hi);
    }
    const maxSeq = await client.query<{ m: string | null }>(
      'SELECT max(seq) AS m FROM arx.audit_events WHERE tenant_id = $1',
      [tenantId],
    );
    const storedMax = maxSeq.rows[0]?.m === null || maxSeq.rows[0]?.m === undefined ? -1 : Number(maxSeq.rows[0].m);
    const total = Math.max(0, (to === null ? storedMax : Math.min(to, storedMax)) - from + 1);

    const progress = progressReporter(opts.onProgress, total, opts.progressIntervalMs ?? 200);
    progress.phase('checkpoints');

    // 1. Checkpoints: signatures, keys and their windows. Only verified ones anchor the chain.
    const keys = await client.query<{ key_name: string; public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
      'SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1',
      [tenantId],
    );
    const verifiers: NoteVerifier[] = [];
    const windows = new Map<string, { from: Date; to: Date | null }>();
    for (const k of keys.rows) {
      try {
        verifiers.push(nodeEd25519Verifier(k.key_name, new Uint8Array(k.public_key)));
        windows.set(k.key_name, { from: k.valid_from, to: k.valid_to });
      } catch {
        // An unusable registered key verifies nothing; checkpoints signed by it show as KEY_UNKNOWN.
      }
    }
    const cps = await client.query<CheckpointRow>(
      'SELECT tree_size, root, note, key_name, issued_at, consistency_proof FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size, issued_at',
      [tenantId],
    );
    type Verified = ChainCheckpoint & { proof: Uint8Array[]; time: string; keyName: string; note: string };
    const verified: Verified[] = [];
    // Each stored checkpoint carries the consistency proof from the stored checkpoint before it.
    const pairs: { a: Verified | null; b: Verified }[] = [];
    let previous: Verified | null = null;
    for (const row of cps.rows) {
      const prior = previous;
      previous = null;
      const size = Number(row.tree_size);
      const at = { seq: Math.max(0, size - 1), treeSize: size, issuedAt: row.issued_at.toISOString() };
      const opened = openArxCheckpoint(row.note, verifiers, { tenantId });
      if (!opened.ok) {
        const e = opened.error;
        if (e.code === 'NOTE_UNVERIFIED' || e.code === 'NOTE_NO_SIGNATURES') {
          errors.push(
            issue(
              'CHECKPOINT_KEY_UNKNOWN',
              `the checkpoint of size ${size} is not signed by any registered gateway key`,
              { ...at, found: row.key_name },
            ),
          );
        } else if (e.code === 'NOTE_SIGNATURE_INVALID') {
          errors.push(
            issue(
              'CHECKPOINT_SIGNATURE_INVALID',
              `the signature on the checkpoint of size ${size} does not verify: it was altered or replaced`,
              { ...at, found: row.key_name },
            ),
          );
        } else {
          errors.push(
            issue('CHECKPOINT_MALFORMED', `the checkpoint of size ${size} is malformed: ${e.message}`, {
              ...at,
              reason: e.code,
            }),
          );
        }
        continue;
      }
      const cp = opened.value.checkpoint;
      const signer = opened.value.note.verifiedBy[0]!.name;
      const w = windows.get(signer)!;
      const t = new Date(cp.time);
      if (t < w.from || (w.to !== null && t >= w.to)) {
        errors.push(
          issue(
            'CHECKPOINT_KEY_OUTSIDE_WINDOW',
            `the checkpoint of size ${cp.size} was signed at ${cp.time}, outside the validity of key ${signer}`,
            {
              ...at,
              key: signer,
              expected: `${w.from.toISOString()} .. ${w.to ? w.to.toISOString() : 'open'}`,
              found: cp.time,
            },
          ),
        );
        continue;
      }
      if (cp.size !== size || toHex(cp.root) !== toHex(new Uint8Array(row.root))) {
        errors.push(
          issue(
            'CHECKPOINT_ROW_MISMATCH',
            `the checkpoint row says size ${size}, but its signed note says size ${cp.size}`,
            {
              ...at,
              expected: `${cp.size}:${toHex(cp.root)}`,
              found: `${size}:${toHex(new Uint8Array(row.root))}`,
            },
          ),
        );
      }
      const v: Verified = {
        size: cp.size,
        root: cp.root,
        head: cp.head,
        proof: row.consistency_proof.map((p) => new Uint8Array(p)),
        time: cp.time,
        keyName: signer,
        note: row.note,
      };
      verified.push(v);
      pairs.push({ a: prior, b: v });
      previous = v;
    }
    verified.sort((a, b) => a.size - b.size);
    // A checkpoint already reported (unverified) breaks the pairing: its neighbours are not compared.
    for (const { a, b } of pairs) {
      if (!a) continue;
      if (a.size === 0 || a.size === b.size) {
        if (a.size === b.size && toHex(a.root) !== toHex(b.root)) {
          errors.push(
            issue(
              'CHECKPOINT_CONSISTENCY_INVALID',
              `two signed checkpoints of size ${a.size} disagree on the root: the log forked`,
              { seq: a.size - 1, treeSize: b.size },
            ),
          );
        }
        continue;
      }
      const c = verifyConsistency(a.size, b.size, b.proof, a.root, b.root);
      if (!c.ok) {
        errors.push(
          issue(
            'CHECKPOINT_CONSISTENCY_INVALID',
            `the checkpoint of size ${b.size} is not an extension of the one of size ${a.size}: ${c.error.message}`,
            {
              seq: b.size - 1,
              treeSize: b.size,
              from: a.size,
            },
          ),
        );
      }
    }

    // 2. Policy versions: each text must still hash to the digests it is known by.
    const policy = await checkPolicyVersions(client, tenantId);
    errors.push(...policy.issues);
    if (signal?.aborted) throw cancelled();

    // 3. The chain. Checkpoints inside the range anchor it (heads) and are recomputed (roots) by
    //    ChainVerifier's one Merkle frontier; a range that starts later resumes the tree from the
    //    stored hashes before it.
    const kernel = await loadHashKernel();
    const merkle = kernel.merkle;
    const inRange = verified.filter((c) => to === null || c.size - 1 <= to);
    let start: ChainStart = { tenantId };
    if (from > 0) {
      const before = new MerkleFrontier(undefined, merkle);
      let prev: Buffer | null = null;
      let contiguous = true;
      for await (const rows of copyChainHashes(client, tenantId, from)) {
        if (signal?.aborted) throw cancelled();
        for (const r of rows) {
          if (r.seq !== before.size) contiguous = false;
          before.append(r.hash);
          prev = r.hash;
        }
      }
      const prevOk = prev !== null && prev.length === 32 && contiguous && before.size === from;
      start = {
        seq: from,
        prevHash: prevOk ? new Uint8Array(prev!) : new Uint8Array(32),
        ...(prevOk ? { frontier: before.state() } : {}),
      };
    }
    const init: StreamInit = {
      tenantId,
      start,
      checkpoints: inRange.map((c) => ({ size: c.size, root: c.root, head: c.head })),
      ...(opts.maxIssues ? { maxIssues: opts.maxIssues } : {}),
    };

    progress.phase('events');
    const batchRows = opts.batchRows ?? BATCH_ROWS;
    // Blocks are views into one framing buffer (no buffer per block): each is verified, or copied
    // into the worker's ring, before the next is framed.
    const blocks = copyTupleBlocks(client, chainRowsSql(tenantId, from, to), 4, batchRows, BATCH_BYTES, true);
    midCopy = true;
    const digestPool = opts.pool ?? null;
    let streamed: StreamResult;
    if (!digestPool) {
      // On this thread: the same per-row code as in a worker.
      const sv = new ChainStreamVerifier(init, kernel);
      for await (const block of blocks) {
        if (signal?.aborted) throw cancelled();
        sv.push(block.bytes);
        const p = sv.progress;
        progress.events(p.rows, p.bytes, p.lastSeq ?? from);
      }
      streamed = sv.finish();
    } else {
      // This thread only moves whole tuples to one worker; the worker's acknowledgements are the
      // progress and the back-pressure (at most MAX_IN_FLIGHT blocks queued).
      const stream = digestPool.open(init, (p) => progress.events(p.rows, p.bytes, p.lastSeq ?? from), {
        slots: MAX_IN_FLIGHT,
        slotBytes: SLOT_BYTES,
      });
      try {
        for await (const block of blocks) {
          if (signal?.aborted) throw cancelled();
          await stream.below(MAX_IN_FLIGHT);
          if (signal?.aborted) throw cancelled();
          stream.send(block.bytes);
        }
        streamed = await stream.finish();
      } finally {
        stream.drop();
      }
    }
    if (signal?.aborted) throw cancelled();
    midCopy = false;
    const { report, rows, bytes, firstSeq, lastSeq, foreign } = streamed;
    for (const f of foreign.first) {
      errors.push(
        issue(
          'EVENT_FOREIGN_TENANT',
          'the event names another tenant in its own bytes: it was copied from another chain',
          { seq: f.seq, expected: tenantId, found: f.found },
        ),
      );
    }
    if (foreign.count > foreign.first.length) {
      warnings.push(
        issue('DOC_UNCHECKED', `${foreign.count - foreign.first.length} more events name another tenant`, {
          seq: lastSeq ?? from,
          count: foreign.count - foreign.first.length,
        }),
      );
    }

    // 4. The jsonb copies: not evidence, but what the explorer searches; they must say what the bytes say.
    let documents: ChainVerification['documents'] = 'skipped';
    if (opts.checkDocuments !== false) {
      progress.phase('documents');
      await client.query('SAVEPOINT documents');
      try {
        const docs = await client.query<{ seq: string }>(
          `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq <= $3)
             AND doc IS DISTINCT FROM convert_from(bytes, 'UTF8')::jsonb ORDER BY seq LIMIT 1000`,
          [tenantId, from, to],
        );
        // Where the bytes themselves were modified the copy differs too; that is already said.
        const modified = new Set(
          report.errors.filter((i) => i.code === 'EVENT_DIGEST_MISMATCH').map((i) => i.details.seq),
        );
        for (const d of docs.rows) {
          if (!modified.has(Number(d.seq)))
            errors.push(
              issue('DOC_MISMATCH', 'the jsonb copy of the event differs from its stored bytes', {
                seq: Number(d.seq),
              }),
            );
        }
        documents = 'checked';
        await client.query('RELEASE SAVEPOINT documents');
      } catch (err) {
        if (signal?.aborted) throw cancelled();
        await client.query('ROLLBACK TO SAVEPOINT documents');
        documents = 'unchecked';
        warnings.push(
          issue('DOC_UNCHECKED', `the jsonb copies could not be compared: ${(err as Error).message.slice(0, 200)}`, {
            seq: from,
          }),
        );
      }
    }
    if (signal?.aborted) throw cancelled();
    await client.query('COMMIT');

    const all = [...report.errors.map(fromChain), ...errors].sort((a, b) => a.details.seq - b.details.seq);
    const warn = [...report.warnings.map(fromChain), ...warnings].sort((a, b) => a.details.seq - b.details.seq);
    const anchor = inRange.filter((c) => c.size > 0).pop() ?? null;
    const tailIssue = report.warnings.find((w) => w.code === 'TAIL_NOT_CHECKPOINTED');
    const later = to === null ? undefined : verified.find((c) => c.size - 1 > to);
    const finishedAt = new Date();
    return {
      ok: all.length === 0 && report.ok,
      verdict: all.length === 0 && report.ok ? 'intact' : 'broken',
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
        total: cps.rows.length,
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
      policyVersions: { checked: policy.checked, modified: policy.issues.length },
      documents,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationMs: Math.round(performance.now() - t0),
      engine: { format: 'arx-chain-v1', blake3: kernel.blake3.name, workers: digestPool?.size ?? 0 },
    };
  } catch (err) {
    if (midCopy && !signal?.aborted) {
      destroy = true;
      throw err;
    }
    if (signal?.aborted || destroy) {
      // Mid-COPY the connection cannot be reused: drop it. The read-only transaction dies with it.
      destroy = true;
      throw err instanceof ArxFailure && err.code === 'CANCELLED' ? err : cancelled();
    }
    await client.query('ROLLBACK').catch(() => {});
    if (err instanceof ArxFailure) throw err;
    const code = (err as { code?: string }).code;
    if (code === 'ECONNREFUSED' || code === 'ECONNRESET' || code === '57P01') {
      throw new ArxFailure(
        'DB_UNREACHABLE',
        `The control plane went away during verification: ${(err as Error).message}`,
      );
    }
    throw err;
  } finally {
    signal?.removeEventListener('abort', abortListener);
    client.release(destroy ? true : undefined);
    // A cancel is over only when the server has stopped too: the cancel request itself has
    // answered and the dropped backend has exited (PostgreSQL notices a closed socket only at
    // its next read). Bounded, so a control plane that went away cannot hold the cancel.
    if (signal?.aborted && pid) await settleBackend(pool, pid, cancelQuery);
  }
}

async function settleBackend(pool: pg.Pool, pid: number, cancelQuery: Promise<unknown> | null): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const bound = new Promise<void>((resolve) => (timer = setTimeout(resolve, 6000)));
  const work = (async () => {
    await cancelQuery;
    // pg_terminate_backend(pid, timeout) waits until that backend has exited (PostgreSQL ≥ 14);
    // on a backend that is already gone it answers false with a warning.
    await pool.query('SELECT pg_terminate_backend($1, 5000)', [pid]).catch(() => {});
  })();
  await Promise.race([work, bound]);
  clearTimeout(timer);
}

async function checkPolicyVersions(
  client: pg.PoolClient,
  tenantId: string,
): Promise<{ checked: number; issues: VerificationIssue[] }> {
  const versions = await client.query<{
    policy_id: string;
    sha256: Buffer;
    blake3: Buffer;
    policy_text: string;
    schema_text: string;
    tests: unknown[];
  }>(
    'SELECT policy_id, sha256, blake3, policy_text, schema_text, tests FROM arx.policy_versions WHERE tenant_id = $1 ORDER BY created_at, sha256',
    [tenantId],
  );
  const issues: VerificationIssue[] = [];
  for (const v of versions.rows) {
    const sha = v.sha256.toString('hex');
    const b3 = v.blake3.toString('hex');
    // The version digest over text, schema and tests (docs/policy-versions.md); rows written before
    // that format (demo data) carry the digest of the policy text alone, which is accepted too.
    let now: { sha256: string; blake3: string };
    try {
      now = policyVersionDigest({
        policies: v.policy_text,
        schema: v.schema_text,
        tests: Array.isArray(v.tests) ? v.tests : [],
      });
    } catch {
      now = { sha256: '', blake3: '' };
    }
    if (now.sha256 === sha && now.blake3 === b3) continue;
    const legacy = policyVersionOf(v.policy_text);
    if (legacy.sha256 === sha && legacy.blake3 === b3) continue;
    // Where the chain first relies on this version (located through the jsonb copy; -1: nowhere).
    const used = await client.query<{ seq: string }>(
      `SELECT seq FROM arx.audit_events WHERE tenant_id = $1
         AND (doc->'data'->'policyVersion'->>'sha256' = $2 OR doc->'data'->>'versionSha256' = $2) ORDER BY seq LIMIT 1`,
      [tenantId, sha],
    );
    issues.push(
      issue('POLICY_VERSION_MODIFIED', 'the policy version no longer hashes to the digest it is known and signed by', {
        seq: used.rows[0] ? Number(used.rows[0].seq) : -1,
        policyId: v.policy_id,
        expected: sha,
        found: now.sha256,
        ...(now.blake3 !== b3 ? { expectedBlake3: b3, foundBlake3: now.blake3 } : {}),
      }),
    );
  }
  return { checked: versions.rows.length, issues };
}

/** Throttled progress (at most ~5 a second), with the rate and the time left. */
function progressReporter(onProgress: VerifyOptions['onProgress'], total: number, interval: number) {
  const started = performance.now();
  let last = 0;
  let phase: VerifyProgress['phase'] = 'checkpoints';
  let state = { rows: 0, bytes: 0, seq: 0 };
  const emit = (force: boolean) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - last < interval) return;
    last = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? state.rows / secs : 0;
    const left = rate > 0 && total > 0 ? Math.max(0, (total - state.rows) / rate) : null;
    onProgress({
      phase,
      ...state,
      total,
      eventsPerSecond: Math.round(rate),
      secondsLeft: left === null ? null : Math.round(left * 10) / 10,
    });
  };
  return {
    phase(p: VerifyProgress['phase']) {
      phase = p;
      emit(true);
    },
    events(rows: number, bytes: number, seq: number) {
      state = { rows, bytes, seq };
      emit(false);
    },
  };
}
