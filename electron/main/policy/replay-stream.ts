import { availableParallelism } from 'node:os';
import {
  DecisionReplayer,
  emptyReplayResult,
  mergeReplay,
  type DecisionRow,
  type ReplayBatchResult,
  type ReplayVersion,
} from './decision-replayer';
import { sharedReplayPool, type ReplayJob, type ReplayPool } from './reverify-pool';
import { packRows, routeOf } from './reverify-protocol';

/** A finding about one decision, kept until the end so that findings come out in seq order. */
export interface DecisionFinding {
  seq: number;
  code: string;
  message: string;
  location: Record<string, string | number>;
}

/**
 * Decision replay fed from a synchronous source (bundle verification's event reader): rows are
 * copied into per-worker batches as they pass and replayed on the console's shared pool
 * (reverify-pool.ts) with the same replayer as the console's re-verification. The source awaits
 * `drain()` between its chunks so that queued work stays bounded. If a worker fails, its batch is
 * replayed on this thread instead: the answer never depends on the pool.
 */
export class StreamingReplay {
  private job: ReplayJob | null = null;
  private jobFailed = false;
  /** The job's workers have loaded (Cedar included); until then batches are replayed on this thread. */
  private warm = false;
  private readonly batches: DecisionRow[][];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly total: ReplayBatchResult = emptyReplayResult();
  private readonly deferred: DecisionFinding[] = [];
  private inline: DecisionReplayer | null = null;
  private dropped = 0;

  constructor(
    private readonly versions: ReplayVersion[],
    private readonly opts: {
      cap: number;
      pool?: ReplayPool;
      workers?: number;
      batchRows?: number;
      cacheLimit?: number;
    },
  ) {
    // Routing needs the number of workers before the pool is touched (it is only started once a batch is full).
    this.batches = Array.from(
      { length: Math.max(1, opts.workers ?? opts.pool?.size ?? availableParallelism()) },
      () => [],
    );
  }

  /** The pool job, opened with the first full batch: a bundle with few decisions never starts the workers. */
  private openJob(): ReplayJob | null {
    if (this.job || this.jobFailed) return this.job;
    try {
      const pool = this.opts.pool ?? sharedReplayPool();
      // Workers that are still loading (a CLI run starts them here) would only queue the batches: this
      // thread keeps replaying until they answer, so their start-up overlaps work instead of delaying it.
      pool.warm().then(
        () => (this.warm = true),
        () => (this.jobFailed = true),
      );
      this.job = pool.openJob(
        {
          versions: this.versions,
          problems: [],
          cacheLimit: this.opts.cacheLimit ?? 20_000,
          cap: this.opts.cap,
        },
        this.batches.length,
      );
    } catch {
      this.jobFailed = true;
    }
    return this.job;
  }

  private replayInline(rows: DecisionRow[]): void {
    this.inline ??= new DecisionReplayer(this.versions, [], this.opts.cacheLimit ?? 20_000);
    this.merge(this.inline.replay(rows, this.opts.cap));
  }

  /** Queues one decision event (its bytes are copied). */
  push(seq: number, bytes: Uint8Array, eventId = ''): void {
    const copy = Buffer.from(bytes);
    const w = routeOf(copy, this.batches.length);
    const batch = this.batches[w]!;
    batch.push({ seq, eventId, bytes: copy, columnSaysDecided: true });
    if (batch.length >= (this.opts.batchRows ?? 512)) this.send(w);
  }

  /** A finding made by the caller, reported in seq order with the replay's. */
  defer(f: DecisionFinding): void {
    this.deferred.push(f);
  }

  private send(w: number): void {
    const rows = this.batches[w]!;
    if (rows.length === 0) return;
    this.batches[w] = [];
    const job = this.openJob();
    if (!job || !this.warm || this.jobFailed) return this.replayInline(rows);
    const p: Promise<void> = job
      .replay(packRows(rows), w)
      .then(
        (r) => this.merge(r),
        () => this.replayInline(rows),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private merge(r: ReplayBatchResult): void {
    // Bundle verification lists mismatches only: entries of decisions with errors are counted, not kept.
    mergeReplay(this.total, r, false);
    // Entries beyond the cap of a batch are only counted; the caller lists the first ones by seq.
    this.dropped += r.mismatched + r.unverifiable - r.mismatches.length;
  }

  /** Resolves when few enough batches are queued (two per worker). */
  async drain(): Promise<void> {
    while (this.inFlight.size >= this.batches.length * 2) await Promise.race(this.inFlight);
  }

  /**
   * Waits for every batch; returns the totals, the findings in seq order (the caller's deferred ones
   * included) and how many more there were than listed (`omitted`).
   */
  async finish(
    describe: (entry: ReplayBatchResult['mismatches'][number]) => DecisionFinding,
  ): Promise<{ result: ReplayBatchResult; findings: DecisionFinding[]; omitted: number }> {
    if (!this.job && this.batches.every((b) => b.length < (this.opts.batchRows ?? 512))) {
      // Never a full batch: fewer decisions than it costs to hand them over; replayed here.
      for (let w = 0; w < this.batches.length; w++) {
        this.replayInline(this.batches[w]!);
        this.batches[w] = [];
      }
    }
    for (let w = 0; w < this.batches.length; w++) this.send(w);
    while (this.inFlight.size) await Promise.race(this.inFlight);
    this.close();
    const findings = [...this.deferred, ...this.total.mismatches.map(describe)].sort((a, b) => a.seq - b.seq);
    return { result: this.total, findings, omitted: this.dropped };
  }

  close(): void {
    this.job?.close();
  }
}
