import { describe, expect, it } from 'vitest';
import { DecisionReplayer, type DecisionRow } from '../../../electron/main/review/decision-replayer';
import { Rng } from '../../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../../electron/main/simulator/traffic';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, type PolicyDecidedData } from '../../../shared/policy';

/** The replayer on simulated decisions, without a database: the bytes are built as the writer builds them. */
const engine = compileEngine();
const version = { ...engine.version, text: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] };
const decisions: PolicyDecidedData[] = [];
{
  const dir = simulatorDirectory(5);
  const rng = new Rng(5);
  for (const req of gatewayTraffic({ seed: 5, start: new Date('2026-11-02T08:00:00Z'), spanDays: 3, requests: 150 })) {
    for (const e of requestEvents(req, engine, dir, rng)) if (e.type === 'com.arx.policy.decided') decisions.push(e.data as PolicyDecidedData);
  }
}
const row = (data: unknown, seq: number, type = 'com.arx.policy.decided', column = true): DecisionRow => ({
  seq,
  eventId: `e-${seq}`,
  columnSaysDecided: column,
  bytes: new TextEncoder().encode(JSON.stringify({ specversion: '1.0', id: `e-${seq}`, type, data })),
});

describe('DecisionReplayer', () => {
  it('replays recorded decisions: all match, with and without the cache, and repeated requests hit the cache', () => {
    const rows = [...decisions, ...decisions.slice(0, 20)].map((d, i) => row(d, i));
    const cached = new DecisionReplayer([version]).replay(rows);
    const uncached = new DecisionReplayer([version], [], 0).replay(rows);
    expect(cached).toMatchObject({ total: rows.length, matched: rows.length, mismatched: 0, unverifiable: 0 });
    expect(cached.cacheHits).toBeGreaterThanOrEqual(20);
    expect(uncached.cacheHits).toBe(0);
    expect({ ...cached, cacheHits: 0 }).toEqual({ ...uncached, cacheHits: 0 });
    expect(decisions.some((d) => d.decision === 'deny') && decisions.some((d) => d.decision === 'permit')).toBe(true);
  });

  it('compares determining policies as sets: a reordered list still matches, a missing or extra policy does not', () => {
    const d = decisions.find((x) => x.determiningPolicies.length >= 1)!;
    const r = new DecisionReplayer([version]);
    expect(r.replayOne(row({ ...d, determiningPolicies: [...d.determiningPolicies].reverse() }, 1))!.differences).toEqual([]);
    const extra = r.replayOne(row({ ...d, determiningPolicies: [...d.determiningPolicies, 'arx.extra'] }, 2))!;
    expect(extra.differences).toContain('determiningPolicies');
    expect(extra.recomputed!.determiningPolicies).toEqual(d.determiningPolicies);
  });

  it('a flipped decision is a mismatch; a cached answer does not hide it', () => {
    const d = decisions[0]!;
    const r = new DecisionReplayer([version]);
    const out = r.replay([row(d, 1), row({ ...d, decision: d.decision === 'permit' ? 'deny' : 'permit' }, 2)]);
    expect(out).toMatchObject({ matched: 1, mismatched: 1 });
    expect(out.mismatches[0]).toMatchObject({ seq: 2, recomputed: { decision: d.decision }, differences: ['decision'] });
  });

  it('unknown versions, unreadable bytes and rows filed as decisions that are not are unverifiable, with their codes', () => {
    const d = decisions[0]!;
    const r = new DecisionReplayer([]);
    expect(r.replayOne(row(d, 1))!.problem!.code).toBe('POLICY_VERSION_MISSING');
    const bad: DecisionRow = { seq: 2, eventId: 'x', columnSaysDecided: true, bytes: new Uint8Array([0xff, 0xfe]) };
    expect(new DecisionReplayer([version]).replayOne(bad)!.problem!.code).toBe('DECISION_RECORD_UNREADABLE');
    expect(new DecisionReplayer([version]).replayOne(row(d, 3, 'com.arx.cost.recorded'))!.problem!.code).toBe('DECISION_TYPE_MISMATCH');
    // A row picked only because its bytes mention the type is skipped when it is another event.
    expect(new DecisionReplayer([version]).replayOne(row(d, 4, 'com.arx.cost.recorded', false))).toBeUndefined();
    const broken = new DecisionReplayer([version]).replayOne(row({ ...d, policyVersion: { sha256: 'x', blake3: 'y' } }, 5))!;
    expect(broken.problem!.code).toBe('DECISION_RECORD_UNREADABLE');
  });
});
