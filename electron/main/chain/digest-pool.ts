import { availableParallelism } from 'node:os';
import type { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import { WorkerPool, type PoolWorker } from '../workers/pool';
import type { DigestReply, DigestRequest } from './digest-protocol';
import type { StreamInit, StreamResult, StreamStats } from './stream-verifier';

const ENTRY = { source: new URL('./digest-worker.ts', import.meta.url), bundled: 'chain-digest-worker.mjs' };
type DigestWorker = PoolWorker<DigestRequest, DigestReply | null>;

/** The ring of one verification stream: `slots` shared slots of `slotBytes` each. */
export interface RingSize {
  slots: number;
  slotBytes: number;
}

/**
 * One verification's stream of COPY blocks on one worker. Each block is copied into a free slot of
 * the stream's shared ring (the caller may reuse its buffer at once; no buffer is allocated,
 * transferred or collected per block, see docs/chain-format.md §5.2), or, if larger than a slot,
 * into a buffer of its own that is transferred. Blocks are acknowledged in order with the worker's
 * progress; an acknowledgement frees the block's slot.
 */
export class DigestStream {
  /** Blocks sent and not yet acknowledged. */
  inFlight = 0;
  private readonly ring: Uint8Array;
  private readonly free: number[] = [];
  private failure: Error | null = null;
  private waiter: (() => void) | null = null;
  private closed = false;

  constructor(
    readonly worker: DigestWorker,
    readonly id: number,
    private readonly onProgress: (p: StreamStats) => void,
    readonly shared: SharedArrayBuffer,
    private readonly slotBytes: number,
  ) {
    this.ring = new Uint8Array(shared);
    for (let i = shared.byteLength / slotBytes - 1; i >= 0; i--) this.free.push(i);
  }

  /** Sends a block of whole tuples; `bytes` is copied, the caller keeps it. */
  send(bytes: Uint8Array): void {
    if (this.failure) throw this.failure;
    const slot = bytes.length <= this.slotBytes ? this.free.pop() : undefined;
    this.inFlight++;
    let acked: Promise<DigestReply | null>;
    if (slot !== undefined) {
      this.ring.set(bytes, slot * this.slotBytes);
      acked = this.worker.call({ kind: 'slot', stream: this.id, slot, length: bytes.length });
    } else {
      // Larger than a slot (a very large event), or every slot busy: a buffer of its own.
      const own = bytes.slice();
      acked = this.worker.call({ kind: 'block', stream: this.id, bytes: own }, [own.buffer as ArrayBuffer]);
    }
    acked.then(
      (m) => this.acknowledged(m),
      (e: unknown) => this.fail(e as Error),
    );
  }

  /** Resolves once fewer than `n` blocks are unacknowledged (back-pressure); rejects if the worker failed. */
  async below(n: number): Promise<void> {
    while (this.inFlight >= n && !this.failure) await new Promise<void>((r) => (this.waiter = r));
    if (this.failure) throw this.failure;
  }

  async finish(): Promise<StreamResult> {
    if (this.failure) throw this.failure;
    try {
      const m = await this.worker.call({ kind: 'finish', stream: this.id });
      if (m?.kind !== 'result') throw new ArxFailure('INTERNAL', 'A chain digest worker answered out of turn.');
      this.close();
      return m.result;
    } catch (e) {
      this.fail(e as Error);
      throw this.failure ?? e;
    }
  }

  /** Abandons the stream (cancel): the worker discards what it still has of it. */
  drop(): void {
    if (this.closed) return;
    this.worker.post({ kind: 'drop', stream: this.id });
    this.close();
  }

  private acknowledged(m: DigestReply | null): void {
    if (m?.kind !== 'ack') return;
    this.inFlight--;
    if (m.slot !== null) this.free.push(m.slot);
    this.onProgress(m.progress);
    this.wake();
  }

  private fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.close();
    this.wake();
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = null;
    w?.();
  }

  private close(): void {
    if (this.closed) return;
    this.closed = true;
    this.worker.release();
  }
}

/**
 * Worker threads that verify COPY streams for the verification engine: each stream runs on one
 * worker (the chain is sequential; on the 2-core reference machine the database and one worker
 * are the two busy threads). Workers are unref'd, so an idle pool never keeps a process alive.
 */
export class DigestPool {
  private readonly pool: WorkerPool<DigestRequest, DigestReply | null>;
  private nextId = 1;

  constructor(readonly size: number) {
    this.pool = new WorkerPool(ENTRY, { size, label: 'chain digest' });
  }

  /** The running threads (diagnostics and tests). */
  get workers(): Worker[] {
    return this.pool.running().map((w) => w.thread);
  }

  /** Resolves when every worker has loaded its code and WASM (a running console has; benchmarks warm up with it). */
  ready(): Promise<void> {
    return this.pool.ready();
  }

  /** Opens a verification stream on the least busy worker, with its ring of shared slots. */
  open(
    init: StreamInit,
    onProgress: (p: StreamStats) => void,
    ring: RingSize = { slots: 4, slotBytes: 1 << 20 },
  ): DigestStream {
    const worker = this.pool.at(this.pool.leastBusy());
    const shared = new SharedArrayBuffer(ring.slots * ring.slotBytes);
    const s = new DigestStream(worker, this.nextId++, onProgress, shared, ring.slotBytes);
    worker.hold();
    worker.post({ kind: 'open', stream: s.id, init, ring: shared, slotBytes: ring.slotBytes });
    return s;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}

let shared: DigestPool | null | undefined;

/**
 * The process's pool, or null to verify on the calling thread. `ARX_VERIFY_WORKERS` sets the
 * number of workers (0: none, the per-row work on the calling thread); unset, one per core beyond
 * the first (at least one), so that verification runs off the main thread. Each verification runs
 * on one worker; more serve verifications running at the same time. On the 2-core reference
 * machine, under other engineers' load, the worker and the one-thread variant each came out ahead
 * in different runs (docs/chain-format.md §5.2); `npm run bench -- chain` prints both.
 */
export function sharedDigestPool(): DigestPool | null {
  if (shared === undefined) {
    const raw = process.env.ARX_VERIFY_WORKERS;
    const env = raw === undefined || raw === '' ? Number.NaN : Number(raw);
    const n = Number.isInteger(env) && env >= 0 ? Math.min(env, 16) : Math.max(1, availableParallelism() - 1);
    shared = n > 0 ? new DigestPool(n) : null;
  }
  return shared;
}
