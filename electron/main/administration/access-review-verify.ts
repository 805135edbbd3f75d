import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { ResponseOf } from '../../../shared/contract';
import { isProblem, reviewTotal, walkReview } from './access-review-pages';

export type VerifyAllStatus = ResponseOf<'admin.accessReviewVerifyStatus'>;

interface Job {
  status: VerifyAllStatus;
  owner: string;
  controller: AbortController;
  /** Keys ('tenant/operator/role') of every grant found missing or invalid. */
  flagged: string[];
  done: Promise<void>;
}

const FIRST_PROBLEMS = 20;

/**
 * Full verifications of the access review: each walks every grant in batches (walkReview),
 * checks its card signatures now, and keeps the keys of those that are missing or do not verify,
 * which the problems filter of the review's pages then includes. Read-only; visible only to the
 * administrator who started it; the newest 5 finished ones are kept.
 */
export class AccessReviewVerifications {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly deps: { pool: () => pg.Pool; batch?: number; keep?: number }) {}

  start(owner: string): VerifyAllStatus {
    const jobId = `av-${randomBytes(8).toString('hex')}`;
    const status: VerifyAllStatus = {
      jobId,
      state: 'running',
      checked: 0,
      total: 0,
      grantsPerSecond: 0,
      problems: 0,
      firstProblems: [],
      startedAt: new Date().toISOString(),
      finishedAt: null,
      error: null,
    };
    const job: Job = { status, owner, controller: new AbortController(), flagged: [], done: Promise.resolve() };
    this.jobs.set(jobId, job);
    this.prune();
    job.done = this.run(job).then(
      () => {
        if (job.status.state === 'running')
          job.status = { ...job.status, state: 'done', finishedAt: new Date().toISOString() };
      },
      (err: unknown) => {
        if (job.status.state !== 'running') return;
        const e =
          err instanceof ArxFailure
            ? { code: err.code, message: err.message }
            : { code: 'INTERNAL', message: `The full verification failed: ${(err as Error).message}` };
        job.status = {
          ...job.status,
          state: e.code === 'CANCELLED' ? 'cancelled' : 'failed',
          error: e,
          finishedAt: new Date().toISOString(),
        };
      },
    );
    return status;
  }

  private async run(job: Job): Promise<void> {
    const pool = this.deps.pool();
    const t0 = performance.now();
    job.status = { ...job.status, total: await reviewTotal(pool) };
    const signal = job.controller.signal;
    for await (const batch of walkReview(pool, { signal, ...(this.deps.batch ? { batch: this.deps.batch } : {}) })) {
      if (job.status.state !== 'running') return;
      const problems = batch.filter((r) => isProblem(r.entry));
      for (const p of problems) job.flagged.push(p.key);
      const first = job.status.firstProblems.length;
      const checked = job.status.checked + batch.length;
      const seconds = (performance.now() - t0) / 1000;
      job.status = {
        ...job.status,
        checked,
        total: Math.max(job.status.total, checked),
        grantsPerSecond: seconds > 0 ? Math.round(checked / seconds) : 0,
        problems: job.flagged.length,
        firstProblems:
          first < FIRST_PROBLEMS
            ? [
                ...job.status.firstProblems,
                ...problems.slice(0, FIRST_PROBLEMS - first).map(({ entry: e }) => ({
                  tenant: e.tenant,
                  edipi: e.edipi,
                  role: e.role,
                  grant: e.grant,
                  approval: e.approval,
                })),
              ]
            : job.status.firstProblems,
      };
    }
    if (job.status.state === 'running') job.status = { ...job.status, total: job.status.checked };
  }

  private get(jobId: string, owner: string): Job {
    const j = this.jobs.get(jobId);
    if (!j || j.owner !== owner)
      throw new ArxFailure('REVIEW_JOB_UNKNOWN', `No full verification ${jobId} of yours.`, { jobId });
    return j;
  }

  status(jobId: string, owner: string): VerifyAllStatus {
    return this.get(jobId, owner).status;
  }

  async cancel(jobId: string, owner: string): Promise<VerifyAllStatus> {
    const j = this.get(jobId, owner);
    if (j.status.state === 'running') {
      j.controller.abort();
      j.status = {
        ...j.status,
        state: 'cancelled',
        error: { code: 'CANCELLED', message: 'Cancelled; nothing was written.' },
        finishedAt: new Date().toISOString(),
      };
      await j.done.catch(() => {});
    }
    return j.status;
  }

  /** The owner's newest finished verification: what the problems filter adds to the unsigned grants. */
  latest(owner: string): { status: VerifyAllStatus; flagged: readonly string[] } | null {
    const done = [...this.jobs.values()].filter((j) => j.owner === owner && j.status.state === 'done');
    const j = done[done.length - 1];
    return j ? { status: j.status, flagged: j.flagged } : null;
  }

  private prune(): void {
    const keep = this.deps.keep ?? 5;
    const finished = [...this.jobs.values()].filter((j) => j.status.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, finished.length - keep))) this.jobs.delete(j.status.jobId);
  }
}
