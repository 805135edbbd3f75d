import { afterAll, describe, expect, it } from 'vitest';
import type { DecisionRow } from '../../../electron/main/policy/decision-replayer';
import { ReplayPool } from '../../../electron/main/policy/reverify-pool';
import { Rng } from '../../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../../electron/main/simulator/traffic';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, type PolicyDecidedData } from '../../../shared/policy';

/** The console's long-lived replay pool: jobs share warm workers, and never each other's state. */
const engine = compileEngine();
const version = { ...engine.version, text: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] };
const decisions: PolicyDecidedData[] = [];
{
  const dir = simulatorDirectory(6);
  const rng = new Rng(6);
  for (const req of gatewayTraffic({ seed: 6, start: new Date('2026-11-03T08:00:00Z'), spanDays: 2, requests: 120 })) {
    for (const e of requestEvents(req, engine, dir, rng))
      if (e.type === 'com.arx.policy.decided') decisions.push(e.data as PolicyDecidedData);
  }
}
const rows = (list: PolicyDecidedData[], from = 0): DecisionRow[] =>
  list.map((data, i) => ({
    seq: from + i,
    eventId: `e-${from + i}`,
    columnSaysDecided: true,
    bytes: new TextEncoder().encode(
      JSON.stringify({ specversion: '1.0', id: `e-${from + i}`, type: 'com.arx.policy.decided', data }),
    ),
  }));
const spec = (versions: (typeof version)[]) => ({
  versions,
  problems: [],
  cacheLimit: 1000,
  cap: 50,
});

const pool = new ReplayPool(2);
afterAll(async () => {
  await pool.close();
});

describe('ReplayPool', () => {
  it('warm workers serve concurrent jobs; a job only replays with the versions it was given, even on a worker that compiled them for another job', async () => {
    await pool.warm();
    const withVersion = pool.openJob(spec([version]), 2);
    const without = pool.openJob(spec([]), 2);
    try {
      const [a, b] = await Promise.all([withVersion.replay(rows(decisions)), without.replay(rows(decisions))]);
      expect(a).toMatchObject({ total: decisions.length, matched: decisions.length, unverifiable: 0 });
      expect(b).toMatchObject({ total: decisions.length, matched: 0, unverifiable: decisions.length });
      expect(b.mismatches[0]!.problem!.code).toBe('POLICY_VERSION_MISSING');
    } finally {
      withVersion.close();
      without.close();
    }
  });

  it('identical requests routed to one worker hit its cache; a closed job frees its state and refuses more batches', async () => {
    const job = pool.openJob(spec([version]), 2);
    const first = await job.replay(rows(decisions.slice(0, 30)), 1);
    const again = await job.replay(rows(decisions.slice(0, 30), 100), 1);
    expect(first.cacheHits).toBe(0);
    expect(again).toMatchObject({ matched: 30, cacheHits: 30, cacheLookups: 30 });
    // The other worker has its own cache.
    expect((await job.replay(rows(decisions.slice(0, 30), 200), 0)).cacheHits).toBe(0);
    job.close();
    await expect(job.replay(rows(decisions.slice(0, 1)))).rejects.toMatchObject({ code: 'CANCELLED' });
    // A new job starts with an empty cache of identical requests.
    const next = pool.openJob(spec([version]), 2);
    expect((await next.replay(rows(decisions.slice(0, 30)), 1)).cacheHits).toBe(0);
    next.close();
  });

  it('a job asking for more workers than the pool has grows the pool', async () => {
    const small = new ReplayPool(1);
    try {
      const job = small.openJob(spec([version]), 2);
      expect(job.workers).toBe(2);
      expect(small.size).toBe(2);
      const r = await Promise.all([
        job.replay(rows(decisions.slice(0, 10)), 0),
        job.replay(rows(decisions.slice(10, 20)), 1),
      ]);
      expect(r.map((x) => x.matched)).toEqual([10, 10]);
      job.close();
    } finally {
      await small.close();
    }
  });
});
