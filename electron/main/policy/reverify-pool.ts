import { availableParallelism } from 'node:os';
import { ArxFailure } from '../../../shared/contract';
import { WorkerPool, type PoolWorker } from '../workers/pool';
import type { DecisionRow, ReplayBatchResult } from './decision-replayer';
import {
  packRows,
  transferList,
  type PackedRows,
  type ReplayJobSpec,
  type ReverifyWorkerReply,
  type ReverifyWorkerRequest,
} from './reverify-protocol';

const ENTRY = { source: new URL('./reverify-worker.ts', import.meta.url), bundled: 'reverify-worker.mjs' };
type ReplayWorker = PoolWorker<ReverifyWorkerRequest, ReverifyWorkerReply>;

/**
 * Cedar keeps every preparsed policy set in its WASM instance and cannot free one; a worker that has
 * compiled more distinct policy texts than this is replaced once it is idle (its memory goes with it).
 */
const PREPARSED_LIMIT = 64;
/** More threads than this are never started, whatever a caller asks for. */
const MAX_WORKERS = 16;

/** What the pool knows of one worker beyond the module's view. */
interface SlotState {
  /** Jobs opened in this worker (their replayers live there until the job closes). */
  jobs: Set<number>;
  preparsedTexts: number;
}

/**
 * The console's decision replay workers (re-verification and bundle verification's replay): started
 * once, warm (Cedar loaded, compiled policy versions kept across jobs), shared by every job. A job
 * opens on some of the workers (`workers`), sends batches to the least busy of them, and closes,
 * which frees its per-job state in the workers. Workers are unref'd while idle, so the pool never
 * keeps a process (the CLI, a test) alive; a worker that dies fails its batches and is replaced.
 */
export class ReplayPool {
  private readonly pool: WorkerPool<ReverifyWorkerRequest, ReverifyWorkerReply>;
  private readonly state = new WeakMap<ReplayWorker, SlotState>();
  private nextJob = 1;

  constructor(size = defaultPoolSize()) {
    this.pool = new WorkerPool(ENTRY, { size: Math.min(size, MAX_WORKERS), label: 'decision replay' });
  }

  get size(): number {
    return this.pool.size;
  }

  /** Batches queued across the workers. */
  get inFlight(): number {
    let n = 0;
    for (const w of this.pool.running()) n += w.pending;
    return n;
  }

  /** @internal the worker of slot `i` and what the pool knows of it. */
  slotAt(i: number): { worker: ReplayWorker; state: SlotState } {
    const worker = this.pool.at(i);
    let state = this.state.get(worker);
    if (!state) this.state.set(worker, (state = { jobs: new Set(), preparsedTexts: 0 }));
    return { worker, state };
  }

  /** @internal the least busy of the given slots. */
  leastBusy(indexes: readonly number[]): number {
    return this.pool.leastBusy(indexes);
  }

  /** Replaces an idle worker whose Cedar instance holds too many preparsed policy sets. */
  private maybeRecycle(i: number, worker: ReplayWorker): void {
    const st = this.state.get(worker);
    if (!st || worker.failure || worker.pending > 0 || st.jobs.size > 0 || st.preparsedTexts <= PREPARSED_LIMIT) return;
    if (this.pool.peek(i) === worker) this.pool.replace(i);
  }

  /** @internal Sends one batch to slot `i`, holding the process while it is pending. */
  async request(i: number, req: ReverifyWorkerRequest, transfer: ArrayBuffer[] = []): Promise<ReplayBatchResult> {
    const { worker, state } = this.slotAt(i);
    const res = await worker.call(req, transfer);
    state.preparsedTexts = res.preparsedTexts;
    this.maybeRecycle(i, worker);
    return res.result;
  }

  /** Resolves once every worker has loaded (Cedar included): call at start-up so that the first job does not wait. */
  warm(): Promise<void> {
    return this.pool.ready();
  }

  /**
   * A job on `workers` of the pool's threads (default all; more than the pool has grows the pool,
   * up to 16). The job must be closed (finally) to free its state in the workers.
   */
  openJob(spec: ReplayJobSpec, workers?: number): ReplayJob {
    const n = Math.max(1, Math.min(workers ?? this.pool.size, MAX_WORKERS));
    this.pool.grow(n);
    // The workers with the fewest open jobs (ties: the first ones).
    const loads: { i: number; load: number }[] = [];
    for (let i = 0; i < this.pool.size; i++) loads.push({ i, load: this.slotAt(i).state.jobs.size });
    const chosen = loads
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .slice(0, n)
      .map((x) => x.i);
    return new ReplayJob(this, this.nextJob++, spec, chosen);
  }

  /** @internal */
  openIn(i: number, job: number, spec: ReplayJobSpec): void {
    const { worker, state } = this.slotAt(i);
    if (state.jobs.has(job)) return;
    state.jobs.add(job);
    worker.post({ op: 'open', job, spec });
  }

  /** @internal */
  closeIn(job: number, indexes: readonly number[]): void {
    for (const i of indexes) {
      const worker = this.pool.peek(i);
      const st = worker && this.state.get(worker);
      if (!worker || !st?.jobs.delete(job)) continue;
      worker.post({ op: 'close', job });
      this.maybeRecycle(i, worker);
    }
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

/** One job's batches on its workers of the pool. */
export class ReplayJob {
  private closed = false;

  constructor(
    private readonly pool: ReplayPool,
    readonly id: number,
    private readonly spec: ReplayJobSpec,
    private readonly slotIndexes: number[],
  ) {}

  /** Threads this job uses. */
  get workers(): number {
    return this.slotIndexes.length;
  }

  /**
   * Replays one batch on the given one of the job's workers (0 .. workers-1), or else on the least
   * busy one; a PackedRows batch is transferred (unusable afterwards).
   */
  replay(rows: readonly DecisionRow[] | PackedRows, worker?: number): Promise<ReplayBatchResult> {
    if (this.closed) return Promise.reject(new ArxFailure('CANCELLED', 'The decision replay job was closed.'));
    const packed = Array.isArray(rows) ? packRows(rows as readonly DecisionRow[]) : (rows as PackedRows);
    const i =
      worker === undefined
        ? this.pool.leastBusy(this.slotIndexes)
        : this.slotIndexes[worker % this.slotIndexes.length]!;
    try {
      // A worker learns the job's versions before its first batch (messages to one worker keep their order).
      this.pool.openIn(i, this.id, this.spec);
    } catch (err) {
      return Promise.reject(err);
    }
    return this.pool.request(i, { op: 'batch', job: this.id, ...packed }, transferList(packed));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.closeIn(this.id, this.slotIndexes);
  }
}

function defaultPoolSize(): number {
  const env = Number(process.env.ARX_REVERIFY_WORKERS);
  return Number.isInteger(env) && env > 0 ? Math.min(env, MAX_WORKERS) : Math.max(1, availableParallelism());
}

let shared: ReplayPool | null = null;

/**
 * The process's pool (one per console): one worker per core (`ARX_REVERIFY_WORKERS` overrides),
 * made on first use and kept; re-verification jobs and bundle verification share it.
 */
export function sharedReplayPool(): ReplayPool {
  shared ??= new ReplayPool();
  return shared;
}

/** Starts the shared pool and waits until its workers are loaded (the console calls it once it is up). */
export function warmReplayPool(): Promise<void> {
  return sharedReplayPool().warm();
}
