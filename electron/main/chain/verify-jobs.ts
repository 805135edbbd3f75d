import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import type { Blake3 } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import type {
  VerifyProblem,
  VerifyRange,
  VerifyResult,
  VerifyStatus,
} from '../../../shared/contract/domains/audit-verify';
import type { DigestPool } from './digest-pool';
import type { WriterTrust } from './writer-check';
import {
  verifyTenantChain,
  type ChainVerification,
  type VerificationIssue,
  type VerifyProgress,
} from './tenant-chain-verifier';

export interface VerifyJobsDeps {
  pool: () => pg.Pool;
  digestPool: () => DigestPool | null;
  blake3: () => Promise<Blake3>;
  /** Trust that authenticates console writers (null: none configured; see VerifyOptions.writerTrust). */
  writerTrust?: () => WriterTrust | null;
  /** Called on every progress step and at the end (the audit.verifyProgress event). */
  publish?: (status: VerifyStatus) => void;
  /** Finished jobs kept for verifyResult (oldest dropped first). */
  keep?: number;
  progressIntervalMs?: number;
  /** Rows per worker batch (see VerifyOptions.batchRows). */
  batchRows?: number;
}

interface Job {
  id: string;
  owner: string;
  tenant: { id: string; slug: string; name: string };
  state: VerifyStatus['state'];
  progress: VerifyStatus['progress'];
  startedAt: string;
  controller: AbortController;
  result: VerifyResult | null;
  error: { code: string; message: string } | null;
  done: Promise<void>;
}

/**
 * Verification jobs of the console: each runs verifyTenantChain (streaming, workers, read-only)
 * and is visible only to the operator who started it. A job holds its progress, then its result
 * or error; cancelling aborts it (the engine drops its connection, nothing is written anywhere).
 */
export class VerifyJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(private readonly deps: VerifyJobsDeps) {}

  start(owner: string, tenant: Job['tenant'], range: VerifyRange): VerifyStatus {
    const id = `vj-${randomBytes(8).toString('hex')}`;
    const controller = new AbortController();
    const job: Job = {
      id,
      owner,
      tenant,
      state: 'running',
      progress: { phase: 'queued', rows: 0, bytes: 0, seq: 0, total: null, eventsPerSecond: 0, secondsLeft: null },
      startedAt: new Date().toISOString(),
      controller,
      result: null,
      error: null,
      done: Promise.resolve(),
    };
    this.jobs.set(id, job);
    this.prune();
    job.done = this.run(job, range);
    return this.status(owner, id);
  }

  private async run(job: Job, range: VerifyRange): Promise<void> {
    try {
      const b3 = await this.deps.blake3();
      const report = await verifyTenantChain(this.deps.pool(), job.tenant.id, {
        range,
        blake3: b3,
        pool: this.deps.digestPool(),
        writerTrust: this.deps.writerTrust?.() ?? null,
        signal: job.controller.signal,
        ...(this.deps.progressIntervalMs !== undefined ? { progressIntervalMs: this.deps.progressIntervalMs } : {}),
        ...(this.deps.batchRows !== undefined ? { batchRows: this.deps.batchRows } : {}),
        onProgress: (p: VerifyProgress) => {
          job.progress = { ...p };
          this.publish(job);
        },
      });
      job.result = toVerifyResult(job.id, job.tenant, report);
      job.state = 'done';
      job.progress = {
        ...job.progress,
        phase: 'done',
        rows: report.rows,
        bytes: report.bytes,
        seq: report.lastSeq ?? job.progress.seq,
        secondsLeft: 0,
      };
    } catch (err) {
      const f =
        err instanceof ArxFailure
          ? err
          : new ArxFailure(
              'AUDIT_VERIFY_FAILED',
              `The verification stopped: ${err instanceof Error ? err.message.slice(0, 200) : String(err)}`,
            );
      job.state = f.code === 'CANCELLED' ? 'cancelled' : 'failed';
      job.error = { code: f.code, message: f.message };
    }
    this.publish(job);
  }

  private publish(job: Job): void {
    try {
      this.deps.publish?.(this.view(job));
    } catch {
      // A listener's failure must not stop the verification.
    }
  }

  private find(owner: string, jobId: string): Job {
    const job = this.jobs.get(jobId);
    if (!job || job.owner !== owner)
      throw new ArxFailure('AUDIT_VERIFY_JOB_UNKNOWN', `No verification ${jobId} in this session.`, { jobId });
    return job;
  }

  private view(job: Job): VerifyStatus {
    return {
      jobId: job.id,
      tenantId: job.tenant.id,
      state: job.state,
      progress: job.progress,
      verdict: job.result?.verdict ?? null,
      error: job.error,
      startedAt: job.startedAt,
    };
  }

  status(owner: string, jobId: string): VerifyStatus {
    return this.view(this.find(owner, jobId));
  }

  /** Cancels and waits until the job has let go of its connection. */
  async cancel(owner: string, jobId: string): Promise<VerifyStatus> {
    const job = this.find(owner, jobId);
    if (job.state === 'running') {
      job.controller.abort();
      await job.done;
    }
    return this.view(job);
  }

  result(owner: string, jobId: string): VerifyResult {
    const job = this.find(owner, jobId);
    if (job.state === 'running')
      throw new ArxFailure('AUDIT_VERIFY_NOT_FINISHED', 'The verification is still running.', { jobId });
    if (!job.result)
      throw new ArxFailure(
        job.error?.code ?? 'AUDIT_VERIFY_FAILED',
        job.error?.message ?? 'The verification has no result.',
        { jobId },
      );
    return job.result;
  }

  /** For tests and shutdown: settles when the job has finished, failed or been cancelled. */
  async settled(jobId: string): Promise<void> {
    await this.jobs.get(jobId)?.done;
  }

  async cancelAll(): Promise<void> {
    for (const j of this.jobs.values()) if (j.state === 'running') j.controller.abort();
    await Promise.all([...this.jobs.values()].map((j) => j.done));
  }

  private prune(): void {
    const keep = this.deps.keep ?? 20;
    const finished = [...this.jobs.values()].filter((j) => j.state !== 'running');
    for (const j of finished.slice(0, Math.max(0, this.jobs.size - keep))) this.jobs.delete(j.id);
  }
}

function problem(i: VerificationIssue): VerifyProblem {
  const { seq, lastSeq, count, expected, found, ...rest } = i.details;
  return {
    code: i.code,
    severity: i.severity,
    message: i.message,
    meaning: i.meaning,
    seq,
    lastSeq: typeof lastSeq === 'number' ? lastSeq : null,
    count: typeof count === 'number' ? count : null,
    expected: expected === undefined ? null : String(expected),
    found: found === undefined ? null : String(found),
    details: rest,
  };
}

/** The engine's report as the contract's result: the complete record a reviewer signs. */
export function toVerifyResult(
  jobId: string,
  tenant: { id: string; slug: string; name: string },
  r: ChainVerification,
): VerifyResult {
  return {
    jobId,
    tenant,
    verdict: r.verdict,
    range: r.range,
    counts: {
      events: r.rows,
      bytes: r.bytes,
      errors: r.errors.length,
      warnings: r.warnings.length,
      omitted: r.omitted,
      checkpointsTotal: r.checkpoints.total,
      checkpointsVerified: r.checkpoints.verified,
      policyVersionsChecked: r.policyVersions.checked,
    },
    firstSeq: r.firstSeq,
    lastSeq: r.lastSeq,
    head: { size: r.head.size, hashBlake3: r.head.hash },
    checkpoint: r.checkpoint,
    tail: r.tail,
    problems: [...r.errors, ...r.warnings].map(problem),
    documents: r.documents,
    startedAt: r.startedAt,
    finishedAt: r.finishedAt,
    durationMs: r.durationMs,
    engine: r.engine,
  };
}
