import { DecisionReplayer, type DecisionRow, type ReplayBatchResult, type ReplayComparison, type ReplayVersion } from './decision-replayer';
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
  private readonly job: ReplayJob;
  private readonly batches: DecisionRow[][];
  private readonly inFlight = new Set<Promise<void>>();
  private readonly total: ReplayBatchResult = { total: 0, matched: 0, mismatched: 0, withErrors: 0, unverifiable: 0, mismatches: [], errored: [], perVersion: {}, cacheHits: 0, cacheLookups: 0 };
  private readonly deferred: DecisionFinding[] = [];
  private inline: DecisionReplayer | null = null;
  private dropped = 0;

  constructor(
    private readonly versions: ReplayVersion[],
    private readonly opts: { cap: number; compare: ReplayComparison; pool?: ReplayPool; workers?: number; batchRows?: number; cacheLimit?: number },
  ) {
    this.job = (opts.pool ?? sharedReplayPool()).openJob({ versions, problems: [], cacheLimit: opts.cacheLimit ?? 20_000, cap: opts.cap, compare: opts.compare }, opts.workers);
    this.batches = Array.from({ length: this.job.workers }, () => []);
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
    const p: Promise<void> = this.job
      .replay(packRows(rows), w)
      .then(
        (r) => this.merge(r),
        () => {
          this.inline ??= new DecisionReplayer(this.versions, [], 0, { compare: this.opts.compare });
          this.merge(this.inline.replay(rows, this.opts.cap));
        },
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  private merge(r: ReplayBatchResult): void {
    const t = this.total;
    t.total += r.total;
    t.matched += r.matched;
    t.mismatched += r.mismatched;
    t.unverifiable += r.unverifiable;
    t.withErrors += r.withErrors;
    t.cacheHits += r.cacheHits;
    t.cacheLookups += r.cacheLookups;
    for (const m of r.mismatches) t.mismatches.push(m);
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
  async finish(describe: (entry: ReplayBatchResult['mismatches'][number]) => DecisionFinding): Promise<{ result: ReplayBatchResult; findings: DecisionFinding[]; omitted: number }> {
    for (let w = 0; w < this.batches.length; w++) this.send(w);
    while (this.inFlight.size) await Promise.race(this.inFlight);
    this.close();
    const findings = [...this.deferred, ...this.total.mismatches.map(describe)].sort((a, b) => a.seq - b.seq);
    return { result: this.total, findings, omitted: this.dropped };
  }

  close(): void {
    this.job.close();
  }
}
