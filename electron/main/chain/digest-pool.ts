import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import type { DigestReply, DigestRequest } from './digest-protocol';
import type { StreamInit, StreamResult, StreamStats } from './stream-verifier';

/**
 * From source (tsx, vitest) the worker is `digest-worker.ts`, started through a tiny eval script
 * that registers tsx first (worker threads do not inherit `--import tsx` on Node 20), as the card
 * worker does; from the esbuild bundle it is `chain-digest-worker.mjs` next to the entry point.
 */
function spawnWorker(): Worker {
  const here = fileURLToPath(import.meta.url);
  if (here.endsWith('.ts')) {
    const source = pathToFileURL(join(dirname(here), 'digest-worker.ts')).href;
    const tsxApi = pathToFileURL(
      createRequire(import.meta.url)
        .resolve('tsx/esm/api')
        .replace(/\.cjs$/, '.mjs'),
    ).href;
    const boot = `import(${JSON.stringify(tsxApi)}).then((m) => { m.register(); return import(${JSON.stringify(source)}); });`;
    return new Worker(boot, { eval: true });
  }
  return new Worker(join(dirname(here), 'chain-digest-worker.mjs'));
}

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
  private done: { resolve: (r: StreamResult) => void; reject: (e: unknown) => void } | null = null;
  private closed = false;

  constructor(
    private readonly pool: DigestPool,
    readonly worker: Worker,
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
    if (slot !== undefined) {
      this.ring.set(bytes, slot * this.slotBytes);
      this.worker.postMessage({ kind: 'slot', stream: this.id, slot, length: bytes.length } satisfies DigestRequest);
      return;
    }
    // Larger than a slot (a very large event), or every slot busy: a buffer of its own.
    const own = bytes.slice();
    this.worker.postMessage({ kind: 'block', stream: this.id, bytes: own } satisfies DigestRequest, [
      own.buffer as ArrayBuffer,
    ]);
  }

  /** Resolves once fewer than `n` blocks are unacknowledged (back-pressure); rejects if the worker failed. */
  async below(n: number): Promise<void> {
    while (this.inFlight >= n && !this.failure) await new Promise<void>((r) => (this.waiter = r));
    if (this.failure) throw this.failure;
  }

  finish(): Promise<StreamResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise<StreamResult>((resolve, reject) => {
      this.done = { resolve, reject };
      this.worker.postMessage({ kind: 'finish', stream: this.id } satisfies DigestRequest);
    });
  }

  /** Abandons the stream (cancel): the worker discards what it still has of it. */
  drop(): void {
    if (this.closed) return;
    this.worker.postMessage({ kind: 'drop', stream: this.id } satisfies DigestRequest);
    this.close();
  }

  /** @internal */
  receive(m: DigestReply): void {
    if (m.kind === 'ack') {
      this.inFlight--;
      if (m.slot !== null) this.free.push(m.slot);
      this.onProgress(m.progress);
      this.wake();
    } else if (m.kind === 'result') {
      this.close();
      this.done?.resolve(m.result);
    } else if (m.kind === 'failed') {
      this.fail(new ArxFailure('INTERNAL', `A chain digest worker failed: ${m.message.slice(0, 200)}`));
    }
  }

  /** @internal */
  fail(e: Error): void {
    if (this.failure) return;
    this.failure = e;
    this.close();
    this.done?.reject(e);
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
    this.pool.closeStream(this);
  }
}

/**
 * Worker threads that verify COPY streams for the verification engine: each stream runs on one
 * worker (the chain is sequential; on the 2-core reference machine the database and one worker
 * are the two busy threads). Workers are unref'd, so an idle pool never keeps a process alive.
 */
export class DigestPool {
  private readonly workers: Worker[] = [];
  private readonly streams = new Map<number, DigestStream>();
  private nextId = 1;
  private closed = false;

  constructor(readonly size: number) {
    for (let i = 0; i < size; i++) this.workers.push(this.start());
  }

  private start(): Worker {
    const w = spawnWorker();
    w.on('message', (m: DigestReply) => {
      if (m.kind === 'pong') return this.pongs.get(m.stream)?.();
      this.streams.get(m.stream)?.receive(m);
    });
    const fail = (why: string) => {
      for (const s of [...this.streams.values()])
        if (s.worker === w) s.fail(new ArxFailure('INTERNAL', `A chain digest worker stopped: ${why}`));
      const i = this.workers.indexOf(w);
      if (i >= 0 && !this.closed) this.workers[i] = this.start();
    };
    w.on('error', (err) => fail(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'error'));
    w.on('exit', (code) => fail(`exit code ${code}`));
    w.unref();
    return w;
  }

  private readonly pongs = new Map<number, () => void>();

  /** Resolves when every worker has loaded its code and WASM (a running console has; benchmarks warm up with it). */
  async ready(): Promise<void> {
    await Promise.all(
      this.workers.map((w) => {
        const id = this.nextId++;
        w.ref();
        return new Promise<void>((r) => {
          this.pongs.set(id, r);
          w.postMessage({ kind: 'ping', stream: id } satisfies DigestRequest);
        }).finally(() => {
          this.pongs.delete(id);
          this.release(w);
        });
      }),
    );
  }

  /** Opens a verification stream on the least busy worker, with its ring of shared slots. */
  open(
    init: StreamInit,
    onProgress: (p: StreamStats) => void,
    ring: RingSize = { slots: 4, slotBytes: 1 << 20 },
  ): DigestStream {
    if (this.closed) throw new ArxFailure('INTERNAL', 'The chain digest pool is closed.');
    // Plain loops, not Array filter/reduce callbacks: Node 20's V8 has aborted the process
    // ("unreachable code" in Deoptimizer::DoComputeBuiltinContinuation) deoptimizing those.
    const load = (w: Worker) => {
      let n = 0;
      for (const s of this.streams.values()) if (s.worker === w) n++;
      return n;
    };
    let worker = this.workers[0]!;
    for (const w of this.workers) if (load(w) < load(worker)) worker = w;
    const shared = new SharedArrayBuffer(ring.slots * ring.slotBytes);
    const s = new DigestStream(this, worker, this.nextId++, onProgress, shared, ring.slotBytes);
    this.streams.set(s.id, s);
    worker.ref();
    worker.postMessage({
      kind: 'open',
      stream: s.id,
      init,
      ring: shared,
      slotBytes: ring.slotBytes,
    } satisfies DigestRequest);
    return s;
  }

  /** @internal */
  closeStream(s: DigestStream): void {
    this.streams.delete(s.id);
    this.release(s.worker);
  }

  /** An idle worker must not keep the process alive; a busy one must (its answer is awaited). */
  private release(w: Worker): void {
    for (const s of this.streams.values()) if (s.worker === w) return;
    if (this.pongs.size > 0) return;
    w.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.workers.map((w) => w.terminate()));
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
