import { DecisionReplayer, emptyReplayResult, mergeReplay } from '../policy/decision-replayer';
import type { ReplayJob } from '../policy/reverify-pool';
import { RowPacker, routeOf, unpackRows } from '../policy/reverify-protocol';

/** Two batches queued per worker keep every worker busy while the next batch is read. */
const PER_WORKER = 2;

/**
 * Hands decision rows, as they are read, to the replay job's workers in batches, and adds up their
 * results (or replays them on this thread when there is no job). Identical requests are routed to
 * the same worker (its cache of identical requests); the reader waits while the queues are full.
 */
export class DecisionDispatcher {
  readonly total = emptyReplayResult();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly queued: number[];
  /** One packer per worker. */
  private readonly packers: RowPacker[];
  private failure: unknown = null;

  constructor(
    private readonly job: ReplayJob | null,
    private readonly inline: DecisionReplayer | null,
    private readonly o: { cap: number; batchRows: number; onBatch: () => void },
  ) {
    this.queued = Array.from({ length: job?.workers ?? 1 }, () => 0);
    this.packers = Array.from({ length: job?.workers ?? 1 }, () => new RowPacker());
  }

  /** Throws the first failure of a worker batch, if any. */
  rethrow(): void {
    if (this.failure) throw this.failure;
  }

  /** Adds one row; a promise to await when its batch was full and went out (null otherwise). */
  add(seq: number, bytes: Buffer, eventId: Buffer, columnSaysDecided: boolean): Promise<void> | null {
    const w = routeOf(bytes, this.packers.length);
    const packer = this.packers[w]!;
    packer.add(seq, bytes, eventId, columnSaysDecided);
    return packer.count >= this.o.batchRows ? this.flush(w) : null;
  }

  /** Sends what is left, waits for every batch and throws the first failure. */
  async finish(): Promise<void> {
    for (let w = 0; w < this.packers.length; w++) await this.flush(w);
    await Promise.all(this.inFlight);
    this.rethrow();
  }

  /** Wait while every worker has its queue full, or one has a batch beyond it (the others are busy then). */
  private mustWait(): boolean {
    let min = Infinity;
    let max = 0;
    for (const q of this.queued) {
      if (q < min) min = q;
      if (q > max) max = q;
    }
    return min >= PER_WORKER || max > PER_WORKER;
  }

  private async flush(w: number): Promise<void> {
    const packer = this.packers[w]!;
    if (packer.count === 0) return;
    if (this.inline) {
      mergeReplay(this.total, this.inline.replay(unpackRows(packer.take()), this.o.cap));
      this.o.onBatch();
      return;
    }
    // A batch goes to the worker its requests were routed to (its cache of identical requests), unless
    // that worker's queue is full and another worker has nothing left to do: then to that one, so that
    // no worker idles while this thread waits. Only a routing choice: it can cost a cache miss, never
    // an answer.
    let target = w;
    if (this.queued[w]! >= PER_WORKER) {
      const idle = this.queued.indexOf(0);
      if (idle >= 0) target = idle;
    }
    this.queued[target]!++;
    const settled = () => {
      this.inFlight.delete(p);
      this.queued[target]!--;
      this.o.onBatch();
    };
    const p: Promise<void> = this.job!.replay(packer.take(), target).then(
      (r) => {
        mergeReplay(this.total, r);
        settled();
      },
      (err: unknown) => {
        this.failure ??= err;
        settled();
      },
    );
    this.inFlight.add(p);
    while (this.mustWait()) await Promise.race(this.inFlight);
  }
}
