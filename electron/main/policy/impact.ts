import { randomUUID } from 'node:crypto';
import { availableParallelism } from 'node:os';
import * as cedar from './cedar-node';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { IMPACT_DEFAULT_DECISIONS, type ImpactResult } from '../../../shared/contract/domains/policy-lifecycle';
import { GATEWAY_SCHEMA, validatePolicies } from '../../../shared/policy';
import {
  closeDecisionCursor,
  decisionWindowCount,
  fetchDecisions,
  openDecisionCursor,
} from '../controlplane/repos/events';
import { withTenant } from '../controlplane/tenant-session';
import { WorkerPool } from '../workers/pool';
import { emptyTally, mergeTally, type FromWorker, type ImpactTally, type ToWorker } from './impact-protocol';

const ENTRY = { source: new URL('./impact-worker.ts', import.meta.url), bundled: 'policy-impact-worker.mjs' };

/**
 * Impact analysis: the tenant's recorded decisions (com.arx.policy.decided, the
 * last N by chain position, or a time window) decided again against a draft, in worker threads
 * (one per core), with progress and cancellation. The main thread streams the stored event bytes
 * from PostgreSQL through a cursor and deals batches to the workers; each worker compiles the draft
 * once and counts permit→deny and deny→permit flips by team, model and provider.
 */

export type ImpactWindow = { lastDecisions: number } | { fromTime: string; toTime: string };

export interface ImpactOptions {
  tenantId: string;
  text: string;
  schema: string | null;
  window?: ImpactWindow;
  workers?: number;
  batchSize?: number;
  onProgress?: (processed: number, total: number) => void;
  signal?: AbortSignal;
}

/**
 * The run's workers: each compiled the draft once (init) and replays the batches dealt to it, at
 * most two queued per worker; the first failure (a refusal or a stopped worker) ends the run.
 */
class ImpactCrew {
  readonly pool: WorkerPool<ToWorker, FromWorker>;
  private readonly inFlight = new Set<Promise<void>>();
  failure: unknown = null;

  constructor(
    size: number,
    private readonly progress: (n: number) => void,
  ) {
    this.pool = new WorkerPool(ENTRY, { size, label: 'policy impact' });
  }

  init(text: string, schema: string): Promise<unknown> {
    const all = [];
    for (let i = 0; i < this.pool.size; i++) all.push(this.pool.at(i).call({ op: 'init', text, schema }));
    return Promise.all(all);
  }

  /** Deals one batch to the least busy worker, waiting while every worker has two batches queued. */
  async deal(id: number, seqs: number[], events: string[]): Promise<void> {
    while (this.pool.at(this.pool.leastBusy()).pending >= 2 && !this.failure) await Promise.race(this.inFlight);
    if (this.failure) throw this.failure;
    const p: Promise<void> = this.pool
      .call({ op: 'batch', id, seqs, events })
      .then(
        (m) => this.progress(m.op === 'done-batch' ? m.processed : 0),
        (e: unknown) => void (this.failure ??= e),
      )
      .finally(() => this.inFlight.delete(p));
    this.inFlight.add(p);
  }

  async finish(): Promise<ImpactTally> {
    await Promise.all(this.inFlight);
    if (this.failure) throw this.failure;
    const tallies: ImpactTally[] = [];
    for (let i = 0; i < this.pool.size; i++) {
      const m = await this.pool.at(i).call({ op: 'finish' });
      if (m.op === 'tally') tallies.push(m.tally);
    }
    return tallies.reduce((a, b) => mergeTally(a, b), emptyTally());
  }
}

export async function runImpact(pool: pg.Pool, opts: ImpactOptions): Promise<ImpactResult> {
  const started = Date.now();
  const schema = opts.schema ?? GATEWAY_SCHEMA;
  const report = validatePolicies(cedar, opts.text, schema);
  if (!report.ok) {
    throw new ArxFailure(
      'POLICY_SUBMIT_BLOCKED',
      `The policy has ${report.errors.length} validation error(s); fix them before replaying.`,
      { validation: report.errors },
    );
  }
  const window = opts.window ?? { lastDecisions: IMPACT_DEFAULT_DECISIONS };
  const nWorkers = Math.max(1, Math.min(opts.workers ?? availableParallelism(), 16));
  const batchSize = opts.batchSize ?? 2000;
  let processed = 0;
  let total = 0;
  const crew = new ImpactCrew(nWorkers, (n) => {
    processed += n;
    opts.onProgress?.(processed, total);
  });
  const abort = () => void crew.pool.close();
  opts.signal?.addEventListener('abort', abort, { once: true });
  try {
    await crew.init(opts.text, schema);
    const range = await withTenant(pool, opts.tenantId, async (c) => {
      total = await decisionWindowCount(c, opts.tenantId, window);
      opts.onProgress?.(0, total);
      await openDecisionCursor(c, opts.tenantId, window);
      let id = 0;
      let fromSeq: number | null = null;
      let toSeq: number | null = null;
      for (;;) {
        if (opts.signal?.aborted) throw new ArxFailure('CANCELLED', 'The impact analysis was cancelled.');
        const rows = await fetchDecisions(c, batchSize);
        if (rows.length === 0) break;
        const seqs = rows.map((x) => x.seq);
        toSeq ??= seqs[0]!;
        fromSeq = seqs[seqs.length - 1]!;
        await crew.deal(
          id++,
          seqs,
          rows.map((x) => x.json),
        );
      }
      await closeDecisionCursor(c);
      return { fromSeq, toSeq };
    });
    if (opts.signal?.aborted) throw new ArxFailure('CANCELLED', 'The impact analysis was cancelled.');
    const t = await crew.finish();
    return {
      replayed: t.replayed,
      errors: t.errors,
      flagged: t.flagged,
      fromSeq: range.fromSeq,
      toSeq: range.toSeq,
      totals: t.totals,
      byTeam: t.byTeam,
      byModel: t.byModel,
      byProvider: t.byProvider,
      examples: t.examples,
      elapsedMs: Date.now() - started,
      workers: nWorkers,
    };
  } catch (err) {
    if (opts.signal?.aborted) throw new ArxFailure('CANCELLED', 'The impact analysis was cancelled.');
    throw err;
  } finally {
    opts.signal?.removeEventListener('abort', abort);
    await crew.pool.close();
  }
}

type JobState = 'running' | 'done' | 'cancelled' | 'failed';
interface Job {
  /** The operator who started it: only they may see or cancel it. */
  owner: string;
  jobId: string;
  state: JobState;
  processed: number;
  total: number;
  result: ImpactResult | null;
  error: string | null;
  controller: AbortController;
}

/** Impact jobs of the console: started by policy.impactStart, polled or pushed (policy.impactProgress), cancelled. */
export class ImpactJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly pool: () => pg.Pool,
    private readonly publish: (p: {
      jobId: string;
      state: JobState;
      processed: number;
      total: number;
    }) => void = () => {},
  ) {}

  start(owner: string, req: { tenantId: string; text: string; schema: string | null; window: ImpactWindow }): string {
    const pool = this.pool();
    const job: Job = {
      owner,
      jobId: randomUUID(),
      state: 'running',
      processed: 0,
      total: 0,
      result: null,
      error: null,
      controller: new AbortController(),
    };
    this.jobs.set(job.jobId, job);
    let last = 0;
    const tell = () => this.publish({ jobId: job.jobId, state: job.state, processed: job.processed, total: job.total });
    runImpact(pool, {
      tenantId: req.tenantId,
      text: req.text,
      schema: req.schema,
      window: req.window,
      signal: job.controller.signal,
      onProgress: (processed, total) => {
        job.processed = processed;
        job.total = total;
        const now = Date.now();
        if (now - last > 250) {
          last = now;
          tell();
        }
      },
    })
      .then((r) => {
        job.result = r;
        job.processed = r.replayed + r.errors;
        job.state = 'done';
      })
      .catch((err: unknown) => {
        if (job.state === 'cancelled' || job.controller.signal.aborted) job.state = 'cancelled';
        else {
          job.state = 'failed';
          job.error = err instanceof Error ? err.message : String(err);
        }
      })
      .finally(() => {
        tell();
        setTimeout(() => this.jobs.delete(job.jobId), 10 * 60_000).unref();
      });
    return job.jobId;
  }

  status(owner: string, jobId: string) {
    const j = this.find(owner, jobId);
    return { jobId: j.jobId, state: j.state, processed: j.processed, total: j.total, result: j.result, error: j.error };
  }

  cancel(owner: string, jobId: string) {
    const j = this.find(owner, jobId);
    if (j.state === 'running') {
      j.state = 'cancelled';
      j.controller.abort();
    }
    return this.status(owner, jobId);
  }

  /** Another operator's job is as unknown as a job that never was: its existence is not disclosed. */
  private find(owner: string, jobId: string): Job {
    const j = this.jobs.get(jobId);
    if (!j || j.owner !== owner)
      throw new ArxFailure('POLICY_IMPACT_UNKNOWN', `No impact job ${jobId} (finished jobs are kept for 10 minutes).`);
    return j;
  }
}
