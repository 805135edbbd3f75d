import type pg from 'pg';
import { describe, expect, it } from 'vitest';
import { ImpactJobs } from '../../../electron/main/policy/impact';

const OWNER = '11111111-1111-4111-8111-111111111111';
const OTHER = '22222222-2222-4222-8222-222222222222';
// A policy that does not validate fails before any query: no database is needed to own a job.
const BROKEN = { tenantId: OWNER, text: 'permit(', schema: null, window: { lastDecisions: 10 } };
const noPool = () => ({}) as pg.Pool;

async function settled(jobs: ImpactJobs, jobId: string) {
  for (let i = 0; i < 100 && jobs.status(OWNER, jobId).state === 'running'; i++)
    await new Promise((r) => setTimeout(r, 10));
  return jobs.status(OWNER, jobId);
}

describe('impact jobs belong to the operator who started them', () => {
  it('another operator can neither see nor cancel a job, and is not told it exists', async () => {
    const jobs = new ImpactJobs(noPool);
    const jobId = jobs.start(OWNER, BROKEN);
    for (const call of [() => jobs.status(OTHER, jobId), () => jobs.cancel(OTHER, jobId)])
      expect(call).toThrow(expect.objectContaining({ code: 'POLICY_IMPACT_UNKNOWN' }));
    const mine = await settled(jobs, jobId);
    expect(mine.state).toBe('failed');
    expect(mine.error).toMatch(/validation error/);
    expect(jobs.cancel(OWNER, jobId).state).toBe('failed');
  });
});
