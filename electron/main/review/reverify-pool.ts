import { availableParallelism } from 'node:os';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import type { DecisionRow, ReplayBatchResult } from './decision-replayer';
import {
  packRows,
  transferList,
  type PackedRows,
  type ReplayJobSpec,
  type ReverifyWorkerRequest,
  type ReverifyWorkerResponse,
} from './reverify-protocol';

/**
 * From source (tsx, vitest, Playwright) the worker is reverify-worker.ts behind a boot script that
 * registers tsx (worker threads do not inherit `--import tsx` on Node 20, as in pkcs11-client.ts);
 * from the esbuild bundle it is reverify-worker.mjs beside the entry point.
 */
function spawnWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const source = pathToFileURL(join(dirname(here), 'reverify-worker.ts')).href;
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(join(dirname(here), 'reverify-worker.mjs'));
}

/**
 * Cedar keeps every preparsed policy set in its WASM instance and cannot free one; a worker that has
 * compiled more distinct policy texts than this is replaced once it is idle (its memory goes with it).
 */
const PREPARSED_LIMIT = 64;
/** More threads than this are never started, whatever a caller asks for. */
const MAX_WORKERS = 16;

interface Slot {
  worker: Worker;
  /** Batches sent and not yet answered. */
  pending: number;
  /** Jobs opened in this worker (their replayers live there until the job closes). */
  jobs: Set<number>;
  preparsedTexts: number;
  retiring: boolean;
}

interface Pending {
  resolve: (r: ReplayBatchResult) => void;
  reject: (e: unknown) => void;
  slot: Slot;
}

/**
 * The console's decision replay workers (issue 6 item 3, and bundle verification's replay): started
 * once, warm (Cedar loaded, compiled policy versions kept across jobs), shared by every job. A job
 * opens on some of the workers (`workers`), sends batches to the least busy of them, and closes,
 * which frees its per-job state in the workers. Workers are unref'd while idle, so the pool never
 * keeps a process (the CLI, a test) alive; a worker that dies is replaced and its batches fail.
 */
export class ReplayPool {
  private readonly slots: Slot[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextJob = 1;
  private closed = false;

  constructor(size = defaultPoolSize()) {
    for (let i = 0; i < Math.max(1, Math.min(size, MAX_WORKERS)); i++) this.slots.push(this.spawn());
  }

  get size(): number {
    return this.slots.length;
  }

  /** Batches queued across the workers. */
  get inFlight(): number {
    return this.pending.size;
  }

  private spawn(): Slot {
    const slot: Slot = { worker: spawnWorker(), pending: 0, jobs: new Set(), preparsedTexts: 0, retiring: false };
    slot.worker.on('message', (res: ReverifyWorkerResponse) => {
      const p = this.pending.get(res.id);
      slot.preparsedTexts = res.preparsedTexts;
      if (!p) return;
      this.pending.delete(res.id);
      slot.pending--;
      if (slot.pending === 0) slot.worker.unref();
      if (res.ok) p.resolve(res.result);
      else p.reject(new ArxFailure(res.code, res.message));
      this.maybeRecycle(slot);
    });
    const fail = (why: string) => {
      if (slot.retiring) return;
      slot.retiring = true;
      for (const [id, p] of this.pending) {
        if (p.slot !== slot) continue;
        this.pending.delete(id);
        p.reject(new ArxFailure('INTERNAL', `A decision replay worker stopped: ${why}`));
      }
      const i = this.slots.indexOf(slot);
      if (i >= 0 && !this.closed) this.slots[i] = this.spawn();
    };
    slot.worker.on('error', (err) => fail(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'error'));
    slot.worker.on('exit', (code) => fail(`exit code ${code}`));
    slot.worker.unref();
    return slot;
  }

  /** Replaces an idle worker whose Cedar instance holds too many preparsed policy sets. */
  private maybeRecycle(slot: Slot): void {
    if (
      this.closed ||
      slot.retiring ||
      slot.pending > 0 ||
      slot.jobs.size > 0 ||
      slot.preparsedTexts <= PREPARSED_LIMIT
    )
      return;
    const i = this.slots.indexOf(slot);
    if (i < 0) return;
    slot.retiring = true;
    this.slots[i] = this.spawn();
    void slot.worker.terminate();
  }

  private post(slot: Slot, msg: ReverifyWorkerRequest, transfer: ArrayBuffer[] = []): void {
    slot.worker.postMessage(msg, transfer);
  }

  /** Sends one message expecting one answer, holding the process while it is pending. */
  request(
    slot: Slot,
    make: (id: number) => ReverifyWorkerRequest,
    transfer: ArrayBuffer[] = [],
  ): Promise<ReplayBatchResult> {
    if (this.closed) return Promise.reject(new ArxFailure('CANCELLED', 'The decision replay pool is closed.'));
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject, slot });
      slot.pending++;
      slot.worker.ref();
      this.post(slot, make(id), transfer);
    });
  }

  /** Resolves once every worker has loaded (Cedar included): call at start-up so that the first job does not wait. */
  async warm(): Promise<void> {
    await Promise.all(this.slots.map((s) => this.request(s, (id) => ({ op: 'ping', id }))));
  }

  /**
   * A job on `workers` of the pool's threads (default all; more than the pool has grows the pool,
   * up to 16). The job must be closed (finally) to free its state in the workers.
   */
  openJob(spec: ReplayJobSpec, workers?: number): ReplayJob {
    if (this.closed) throw new ArxFailure('CANCELLED', 'The decision replay pool is closed.');
    const n = Math.max(1, Math.min(workers ?? this.slots.length, MAX_WORKERS));
    while (this.slots.length < n) this.slots.push(this.spawn());
    // The workers with the fewest open jobs (ties: the first ones).
    const chosen = this.slots
      .map((s, i) => ({ i, load: s.jobs.size }))
      .sort((a, b) => a.load - b.load || a.i - b.i)
      .slice(0, n)
      .map((x) => x.i);
    return new ReplayJob(this, this.nextJob++, spec, chosen);
  }

  /** @internal the job's view of the pool. */
  slotAt(i: number): Slot {
    return this.slots[i]!;
  }

  /** @internal */
  openIn(slot: Slot, job: number, spec: ReplayJobSpec): void {
    if (slot.jobs.has(job)) return;
    slot.jobs.add(job);
    this.post(slot, { op: 'open', job, spec });
  }

  /** @internal */
  closeIn(job: number): void {
    for (const slot of this.slots) {
      if (!slot.jobs.delete(job)) continue;
      if (!slot.retiring) this.post(slot, { op: 'close', job });
      this.maybeRecycle(slot);
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [id, p] of this.pending) {
      this.pending.delete(id);
      p.reject(new ArxFailure('CANCELLED', 'The decision replay pool was closed.'));
    }
    await Promise.all(
      this.slots.map((s) => {
        s.retiring = true;
        return s.worker.terminate();
      }),
    );
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
    let slot = this.pool.slotAt(this.slotIndexes[(worker ?? 0) % this.slotIndexes.length]!);
    if (worker === undefined) {
      for (const i of this.slotIndexes) {
        const s = this.pool.slotAt(i);
        if (s.pending < slot.pending) slot = s;
      }
    }
    // A worker learns the job's versions before its first batch (messages to one worker keep their order).
    this.pool.openIn(slot, this.id, this.spec);
    return this.pool.request(slot, (id) => ({ op: 'batch', job: this.id, id, ...packed }), transferList(packed));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.pool.closeIn(this.id);
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
