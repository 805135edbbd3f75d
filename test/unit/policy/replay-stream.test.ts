import { afterAll, describe, expect, it } from 'vitest';
import { StreamingReplay, type DecisionFinding } from '../../../electron/main/policy/replay-stream';
import { ReplayPool } from '../../../electron/main/policy/reverify-pool';
import { Rng } from '../../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../../electron/main/simulator/traffic';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, type PolicyDecidedData } from '../../../shared/policy';

/** Bundle verification's replay on the shared pool: the findings it reports, in seq order. */
const engine = compileEngine();
const version = { ...engine.version, text: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] };
const decisions: PolicyDecidedData[] = [];
{
  const dir = simulatorDirectory(8);
  const rng = new Rng(8);
  for (const req of gatewayTraffic({ seed: 8, start: new Date('2026-11-04T08:00:00Z'), spanDays: 2, requests: 200 })) {
    for (const e of requestEvents(req, engine, dir, rng))
      if (e.type === 'com.arx.policy.decided') decisions.push(e.data as PolicyDecidedData);
  }
}
const bytesOf = (data: unknown, seq: number) =>
  new TextEncoder().encode(
    JSON.stringify({ specversion: '1.0', id: `e-${seq}`, type: 'com.arx.policy.decided', data }),
  );
const describeEntry = (e: {
  seq: number;
  problem: { code: string } | null;
  differences: string[];
}): DecisionFinding => ({
  seq: e.seq,
  code: e.problem ? 'DECISION_REPLAY_FAILED' : 'DECISION_MISMATCH',
  message: e.differences.join(','),
  location: { seq: e.seq },
});
const pool = new ReplayPool(2);
afterAll(async () => {
  await pool.close();
});

describe('StreamingReplay', () => {
  it('flipped decisions are found among many, with deferred findings, in seq order; the cap lists the first ones and counts the rest', async () => {
    const flipped = new Set([5, 17, 40, 41, 90, 150]);
    // Warm workers: the batches after the first ping round trip go to the pool (before it, to this thread).
    await pool.warm();
    const replay = new StreamingReplay([version], { cap: 4, pool, batchRows: 16 });
    const n = Math.min(decisions.length, 200);
    for (let seq = 0; seq < n; seq++) {
      const d = decisions[seq]!;
      replay.push(
        seq,
        bytesOf(flipped.has(seq) ? { ...d, decision: d.decision === 'permit' ? 'deny' : 'permit' } : d, seq),
      );
      if (seq === 20) replay.defer({ seq, code: 'POLICY_VERSION_MISSING', message: 'x', location: { seq } });
      if (seq % 32 === 0) await replay.drain();
    }
    const { result, findings, omitted } = await replay.finish(describeEntry);
    expect(result).toMatchObject({ total: n, mismatched: flipped.size, matched: n - flipped.size });
    const seqs = findings.map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    // The first 4 mismatches by seq are always listed (per-batch caps never hide an earlier one).
    expect(
      findings
        .filter((f) => f.code === 'DECISION_MISMATCH')
        .map((f) => f.seq)
        .slice(0, 4),
    ).toEqual([5, 17, 40, 41]);
    expect(findings.find((f) => f.code === 'POLICY_VERSION_MISSING')!.seq).toBe(20);
    expect(findings.filter((f) => f.code === 'DECISION_MISMATCH').length + omitted).toBe(flipped.size);
  });

  it('a closed pool (a worker that cannot answer): the batches are replayed on this thread, with the same answer', async () => {
    const dead = new ReplayPool(1);
    const replay = new StreamingReplay([version], { cap: 10, pool: dead, batchRows: 8 });
    await dead.close();
    const d = decisions[0]!;
    for (let seq = 0; seq < 20; seq++)
      replay.push(
        seq,
        bytesOf(seq === 3 ? { ...d, decision: d.decision === 'permit' ? 'deny' : 'permit' } : decisions[seq]!, seq),
      );
    const { result, findings } = await replay.finish(describeEntry);
    expect(result).toMatchObject({ total: 20, mismatched: 1 });
    expect(findings.map((f) => f.seq)).toEqual([3]);
  });

  it('fewer decisions than one batch are replayed on this thread: the pool is not touched', async () => {
    let opened = 0;
    const spy = {
      size: 2,
      openJob: () => {
        opened++;
        throw new Error('not expected');
      },
    } as unknown as ReplayPool;
    const replay = new StreamingReplay([version], { cap: 10, pool: spy, batchRows: 512 });
    const d = decisions[1]!;
    for (let seq = 0; seq < 30; seq++)
      replay.push(
        seq,
        bytesOf(seq === 7 ? { ...d, decision: d.decision === 'permit' ? 'deny' : 'permit' } : decisions[seq]!, seq),
      );
    const { result, findings } = await replay.finish(describeEntry);
    expect(opened).toBe(0);
    expect(result).toMatchObject({ total: 30, mismatched: 1 });
    expect(findings.map((f) => f.seq)).toEqual([7]);
  });
});
