import type { TransferListItem, Worker } from 'node:worker_threads';
import { ArxFailure } from '../../../shared/contract';
import { startThread, type WorkerEntry } from './entry';
import type { Envelope, WorkerMessage } from './protocol';

export interface PoolOptions {
  /** Workers kept (at least one). */
  size: number;
  /** Names the workers in messages: "chain digest" → "The chain digest worker stopped: …". */
  label: string;
  /** The code a call fails with when its worker stops (stable per pool; INTERNAL unless said). */
  failureCode?: string;
  /** Start every worker now (default) or each on its first use. */
  eager?: boolean;
}

interface Waiting {
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

/**
 * One worker thread of a pool: calls answered by id, one-way posts, and a count of what is open on
 * it. The thread holds the process alive only while something is pending or held; a thread that
 * stops fails its pending calls (and every later one) with the pool's failure code.
 */
export class PoolWorker<Req, Res> {
  readonly thread: Worker;
  /** Resolves once the worker has started (its `ready`); rejects if it failed first. */
  readonly ready: Promise<void>;
  /** Calls sent and not answered yet. */
  pending = 0;
  /** Streams or jobs a domain keeps open on this worker (see hold). */
  holds = 0;
  /** Set once the thread stopped or failed; every call from then on rejects with it. */
  failure: ArxFailure | null = null;
  private readonly waiting = new Map<number, Waiting>();
  private nextId = 1;
  private stopping = false;

  constructor(
    entry: WorkerEntry,
    private readonly options: Required<PoolOptions>,
    private readonly onStop: (w: PoolWorker<Req, Res>) => void,
  ) {
    this.thread = startThread(entry);
    let started!: () => void;
    let refused!: (e: unknown) => void;
    this.ready = new Promise<void>((res, rej) => ((started = res), (refused = rej)));
    this.ready.catch(() => {});
    this.thread.on('message', (m: WorkerMessage<Res>) => {
      if (m.kind === 'reply') return this.settle(m);
      if (m.kind === 'ready') return started();
      const e = new ArxFailure(m.error.code, m.error.message, m.error.details);
      refused(e);
      this.stop(e);
      void this.thread.terminate();
    });
    const fail = (why: string) => {
      const e = new ArxFailure(this.options.failureCode, `The ${this.options.label} worker stopped: ${why}`);
      refused(e);
      this.stop(e);
    };
    this.thread.on('error', (err) => fail(err instanceof Error ? err.message.split('\n')[0]!.slice(0, 200) : 'error'));
    this.thread.on('exit', (code) => fail(`exit code ${code}`));
    this.thread.unref();
  }

  /** Load used for least-busy dispatch. */
  get load(): number {
    return this.pending + this.holds;
  }

  /** Sends a request and resolves with its reply (ArxFailure with the worker's code if it refused). */
  call<R extends Res = Res>(req: Req, transfer?: readonly TransferListItem[]): Promise<R> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    this.pending++;
    this.thread.ref();
    return new Promise<R>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.thread.postMessage({ id, req } satisfies Envelope<Req>, transfer);
    });
  }

  /** A one-way message, in order with the calls. */
  post(req: Req, transfer?: readonly TransferListItem[]): void {
    if (this.failure) return;
    this.thread.postMessage({ id: 0, req } satisfies Envelope<Req>, transfer);
  }

  /** Marks something open on this worker (a stream, a job): it keeps the process alive and counts as load. */
  hold(): void {
    this.holds++;
    this.thread.ref();
  }

  release(): void {
    this.holds = Math.max(0, this.holds - 1);
    this.idle();
  }

  /** Stops the thread; pending calls fail with `why`. */
  async terminate(why: ArxFailure): Promise<void> {
    this.stopping = true;
    this.stop(why);
    await this.thread.terminate();
  }

  private settle(m: Extract<WorkerMessage<Res>, { kind: 'reply' }>): void {
    const w = this.waiting.get(m.id);
    if (!w) return;
    this.waiting.delete(m.id);
    this.pending--;
    this.idle();
    if (m.ok) w.resolve(m.value);
    else w.reject(new ArxFailure(m.error.code, m.error.message, m.error.details));
  }

  private idle(): void {
    if (this.pending === 0 && this.holds === 0) this.thread.unref();
  }

  private stop(e: ArxFailure): void {
    if (this.failure) return;
    this.failure = e;
    const waiting = [...this.waiting.values()];
    this.waiting.clear();
    this.pending = 0;
    for (const w of waiting) w.reject(e);
    if (!this.stopping) this.onStop(this);
  }
}

/**
 * A fixed number of worker slots of one kind. A slot whose worker stopped gets a new worker when it
 * is next used (not at once: a worker that cannot start must not be restarted in a loop).
 */
export class WorkerPool<Req, Res> {
  private readonly slots: (PoolWorker<Req, Res> | null)[] = [];
  private readonly options: Required<PoolOptions>;
  private closed = false;

  constructor(
    private readonly entry: WorkerEntry,
    options: PoolOptions,
  ) {
    this.options = { failureCode: 'INTERNAL', eager: true, ...options, size: Math.max(1, options.size) };
    for (let i = 0; i < this.options.size; i++) this.slots.push(null);
    if (this.options.eager) for (let i = 0; i < this.slots.length; i++) this.at(i);
  }

  get size(): number {
    return this.slots.length;
  }

  get label(): string {
    return this.options.label;
  }

  /** The worker of slot `i`, started (again) if it has none or its worker stopped. */
  at(i: number): PoolWorker<Req, Res> {
    if (this.closed) throw this.closedFailure('is');
    let w = this.slots[i];
    if (!w || w.failure) {
      w = new PoolWorker<Req, Res>(this.entry, this.options, (dead) => {
        const k = this.slots.indexOf(dead);
        if (k >= 0) this.slots[k] = null;
      });
      this.slots[i] = w;
    }
    return w;
  }

  /** The worker of slot `i` if it is running (never starts one). */
  peek(i: number): PoolWorker<Req, Res> | null {
    const w = this.slots[i];
    return w && !w.failure ? w : null;
  }

  /** The running workers (slots whose worker stopped are left out until next used). */
  running(): PoolWorker<Req, Res>[] {
    return this.slots.filter((w): w is PoolWorker<Req, Res> => w !== null && !w.failure);
  }

  /** The slot index of the least busy worker among `indexes` (default all; ties: the first). */
  leastBusy(indexes?: readonly number[]): number {
    // Plain loops: Node 20's V8 has aborted the process deoptimizing Array callbacks on this path.
    let best = -1;
    let bestLoad = Infinity;
    const n = indexes ? indexes.length : this.slots.length;
    for (let k = 0; k < n; k++) {
      const i = indexes ? indexes[k]! : k;
      const w = this.slots[i];
      const load = w && !w.failure ? w.load : 0;
      if (load < bestLoad) {
        best = i;
        bestLoad = load;
      }
    }
    return best;
  }

  /** Sends `req` to the least busy worker. */
  call<R extends Res = Res>(req: Req, transfer?: readonly TransferListItem[]): Promise<R> {
    if (this.closed) return Promise.reject(this.closedFailure('is'));
    return this.at(this.leastBusy()).call<R>(req, transfer);
  }

  /** Adds slots up to `n` (started now). */
  grow(n: number): void {
    while (this.slots.length < n) {
      this.slots.push(null);
      this.at(this.slots.length - 1);
    }
  }

  /** Replaces the worker of slot `i` by a new one (the old one should be idle: its pending calls fail). */
  replace(i: number): void {
    const old = this.slots[i];
    this.slots[i] = null;
    this.at(i);
    if (old) void old.terminate(new ArxFailure('CANCELLED', `The ${this.options.label} worker was replaced.`));
  }

  /** Resolves once every slot has a started worker (a console warms its pools with it). */
  async ready(): Promise<void> {
    const all = this.slots.map((_, i) => this.at(i));
    for (const w of all) w.hold();
    try {
      await Promise.all(all.map((w) => w.ready));
    } finally {
      for (const w of all) w.release();
    }
  }

  /** Fails what is pending with CANCELLED and stops every worker; resolves once all threads have exited. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const all = this.running();
    this.slots.fill(null);
    await Promise.all(all.map((w) => w.terminate(this.closedFailure('was'))));
  }

  private closedFailure(tense: 'is' | 'was'): ArxFailure {
    return new ArxFailure('CANCELLED', `The ${this.options.label} pool ${tense} closed.`);
  }
}
