import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { ReverifyResult, ReverifyStatus } from '../../../shared/contract/domains/review';
import { reverifyDecisions, type DecisionReverification, type PolicySignatureCheck } from './reverify';

interface Job {
  status: ReverifyStatus;
  owner: string;
  controller: AbortController;
  result: DecisionReverification | null;
  done: Promise<void>;
}

/**
 * Decision re-verification jobs of the console: each is one reverifyDecisions run (read-only, on
 * the console's shared replay pool: the workers are started once and stay warm across jobs, see
 * docs/reverify.md), visible only to the operator who started it; finished ones are kept (the
 * newest 20) so that a review can cite one.
 */
export class ReverifyJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly deps: {
      pool: () => pg.Pool;
      publish: (s: ReverifyStatus) => void;
      signatureCheck?: PolicySignatureCheck;
      workers?: number;
      keep?: number;
    },
  ) {}

  start(owner: string, req: { tenantId: string; fromSeq: number | null; toSeq: number | null }): ReverifyStatus {
    const jobId = `dj-${randomBytes(8).toString('hex')}`;
    const controller = new AbortController();
    const status: ReverifyStatus = {
      jobId,
      tenantId: req.tenantId,
      state: 'running',
      fromSeq: req.fromSeq ?? 0,
      toSeq: req.toSeq,
      processed: 0,
      total: 0,
      decisionsPerSecond: 0,
      secondsLeft: null,
      mismatched: 0,
      error: null,
      startedAt: new Date().toISOString(),
    };
    const job: Job = { status, owner, controller, result: null, done: Promise.resolve() };
    this.jobs.set(jobId, job);
    this.prune();
    let last = 0;
    job.done = reverifyDecisions(this.deps.pool(), req.tenantId, {
      ...(req.fromSeq !== null ? { from: req.fromSeq } : {}),
      ...(req.toSeq !== null ? { to: req.toSeq } : {}),
      ...(this.deps.workers !== undefined ? { workers: this.deps.workers } : {}),
      ...(this.deps.signatureCheck ? { signatureCheck: this.deps.signatureCheck } : {}),
      signal: controller.signal,
      onProgress: (p) => {
        if (job.status.state !== 'running') return;
        const left = p.decisionsPerSecond > 0 ? Math.max(0, (p.total - p.processed) / p.decisionsPerSecond) : null;
        job.status = {
          ...job.status,
          processed: p.processed,
          total: p.total,
          decisionsPerSecond: p.decisionsPerSecond,
          secondsLeft: left,
        };
        if (Date.now() - last > 150) {
          last = Date.now();
          this.deps.publish(job.status);
        }
      },
    }).then(
      (r) => {
        if (job.status.state === 'cancelled') return;
        job.result = r;
        job.status = {
          ...job.status,
          state: 'done',
          toSeq: r.toSeq,
          processed: r.total,
          total: r.total,
          mismatched: r.mismatched + r.unverifiable,
          secondsLeft: 0,
          decisionsPerSecond: r.decisionsPerSecond,
        };
        this.deps.publish(job.status);
      },
      (err: unknown) => {
        if (job.status.state === 'cancelled') return;
        const e =
          err instanceof ArxFailure
            ? { code: err.code, message: err.message }
            : { code: 'INTERNAL', message: `Re-verification failed: ${(err as Error).message}` };
        job.status = { ...job.status, state: e.code === 'CANCELLED' ? 'cancelled' : 'failed', error: e };
        this.deps.publish(job.status);
      },
    );
    return status;
  }

  private get(jobId: string, owner: string): Job {
    const j = this.jobs.get(jobId);
    if (!j || j.owner !== owner)
      throw new ArxFailure('REVIEW_JOB_UNKNOWN', `No decision re-verification ${jobId} of yours.`, { jobId });
    return j;
  }

  status(jobId: string, owner: string): ReverifyStatus {
    return this.get(jobId, owner).status;
  }

  async cancel(jobId: string, owner: string): Promise<ReverifyStatus> {
    const j = this.get(jobId, owner);
    if (j.status.state === 'running') {
      j.controller.abort();
      j.status = {
        ...j.status,
        state: 'cancelled',
        error: { code: 'CANCELLED', message: 'Cancelled; nothing was written.' },
      };
      // Resolves once the run let go of its connection and workers.
      await j.done.catch(() => {});
      this.deps.publish(j.status);
    }
    return j.status;
  }

  result(jobId: string, owner: string): ReverifyResult {
    const j = this.get(jobId, owner);
    if (j.status.state === 'running')
      throw new ArxFailure('REVIEW_JOB_NOT_FINISHED', 'The re-verification is still running.', { jobId });
    if (!j.result)
      throw new ArxFailure(
        j.status.error?.code ?? 'CANCELLED',
        j.status.error?.message ?? 'The re-verification did not finish.',
        { jobId },
      );
    const r = j.result;
    return {
      jobId,
      tenantId: r.tenantId,
      fromSeq: r.fromSeq,
      toSeq: r.toSeq,
      total: r.total,
      matched: r.matched,
      mismatched: r.mismatched,
      withErrors: r.withErrors,
      unverifiable: r.unverifiable,
      mismatches: r.mismatches,
      errored: r.errored,
      omitted: r.omitted,
      policyVersions: r.policyVersions,
      cacheHits: r.cacheHits,
      workers: r.workers,
      durationMs: r.durationMs,
      decisionsPerSecond: r.decisionsPerSecond,
    };
  }

  /** The finished run, for a review that cites it. */
  finished(jobId: string, owner: string): DecisionReverification | undefined {
    const j = this.jobs.get(jobId);
    return j && j.owner === owner && j.status.state === 'done' ? (j.result ?? undefined) : undefined;
  }

  private prune(): void {
    const keep = this.deps.keep ?? 20;
    const finished = [...this.jobs.values()].filter((j) => j.status.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(j.status.jobId);
  }
}
