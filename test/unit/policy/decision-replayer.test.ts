import { describe, expect, it } from 'vitest';
import {
  CachingEngine,
  DecisionReplayer,
  EngineCache,
  type DecisionRow,
} from '../../../electron/main/policy/decision-replayer';
import { packRows, unpackRows } from '../../../electron/main/policy/reverify-protocol';
import { Rng } from '../../../electron/main/simulator/population';
import { compileEngine, requestEvents, simulatorDirectory } from '../../../electron/main/simulator/simulate';
import { gatewayTraffic } from '../../../electron/main/simulator/traffic';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, type CedarRequest, type PolicyDecidedData } from '../../../shared/policy';

/** The replayer on simulated decisions, without a database: the bytes are built as the writer builds them. */
const engine = compileEngine();
const version = { ...engine.version, text: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] };
const decisions: PolicyDecidedData[] = [];
{
  const dir = simulatorDirectory(5);
  const rng = new Rng(5);
  for (const req of gatewayTraffic({ seed: 5, start: new Date('2026-11-02T08:00:00Z'), spanDays: 3, requests: 150 })) {
    for (const e of requestEvents(req, engine, dir, rng))
      if (e.type === 'com.arx.policy.decided') decisions.push(e.data as PolicyDecidedData);
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
    expect(cached.cacheLookups).toBe(rows.length);
    expect({ ...cached, cacheHits: 0, cacheLookups: 0 }).toEqual({ ...uncached, cacheHits: 0, cacheLookups: 0 });
    expect(decisions.some((d) => d.decision === 'deny') && decisions.some((d) => d.decision === 'permit')).toBe(true);
  });

  it('compares determining policies as sets: a reordered list still matches, a missing or extra policy does not', () => {
    const d = decisions.find((x) => x.determiningPolicies.length >= 1)!;
    const r = new DecisionReplayer([version]);
    expect(
      r.replayOne(row({ ...d, determiningPolicies: [...d.determiningPolicies].reverse() }, 1))!.differences,
    ).toEqual([]);
    const extra = r.replayOne(row({ ...d, determiningPolicies: [...d.determiningPolicies, 'arx.extra'] }, 2))!;
    expect(extra.differences).toContain('determiningPolicies');
    expect(extra.recomputed!.determiningPolicies).toEqual(d.determiningPolicies);
  });

  it('a flipped decision is a mismatch; a cached answer does not hide it', () => {
    const d = decisions[0]!;
    const r = new DecisionReplayer([version]);
    const out = r.replay([row(d, 1), row({ ...d, decision: d.decision === 'permit' ? 'deny' : 'permit' }, 2)]);
    expect(out).toMatchObject({ matched: 1, mismatched: 1 });
    expect(out.mismatches[0]).toMatchObject({
      seq: 2,
      recomputed: { decision: d.decision },
      differences: ['decision'],
    });
  });

  it('unknown versions, unreadable bytes and rows filed as decisions that are not are unverifiable, with their codes', () => {
    const d = decisions[0]!;
    const r = new DecisionReplayer([]);
    expect(r.replayOne(row(d, 1))!.problem!.code).toBe('POLICY_VERSION_MISSING');
    const bad: DecisionRow = { seq: 2, eventId: 'x', columnSaysDecided: true, bytes: new Uint8Array([0xff, 0xfe]) };
    expect(new DecisionReplayer([version]).replayOne(bad)!.problem!.code).toBe('DECISION_RECORD_UNREADABLE');
    expect(new DecisionReplayer([version]).replayOne(row(d, 3, 'com.arx.cost.recorded'))!.problem!.code).toBe(
      'DECISION_TYPE_MISMATCH',
    );
    // A row picked only because its bytes mention the type is skipped when it is another event.
    expect(new DecisionReplayer([version]).replayOne(row(d, 4, 'com.arx.cost.recorded', false))).toBeUndefined();
    const broken = new DecisionReplayer([version]).replayOne(
      row({ ...d, policyVersion: { sha256: 'x', blake3: 'y' } }, 5),
    )!;
    expect(broken.problem!.code).toBe('DECISION_RECORD_UNREADABLE');
  });

  it('the cache of identical requests: a hit answers exactly what evaluating answers, and changing any one field the engine reads misses', () => {
    const cachingOf = () => {
      const c = new EngineCache().get(version);
      if (!('engine' in c)) throw new Error(c.message);
      return { inner: c.engine, cached: new CachingEngine(c.engine, 1000) };
    };
    const { inner, cached } = cachingOf();
    const asRequest = (d: PolicyDecidedData): CedarRequest =>
      JSON.parse(
        JSON.stringify({
          principal: d.principal,
          action: d.action,
          resource: d.resource,
          context: d.context,
          entities: d.entities,
        }),
      ) as CedarRequest;
    // Every leaf of the request, one at a time: a string gets a suffix, a number +1, a boolean flips.
    const leaves = (v: unknown, path: (string | number)[] = []): (string | number)[][] => {
      if (v === null || typeof v !== 'object') return [path];
      return Object.entries(v as Record<string, unknown>).flatMap(([k, x]) =>
        leaves(x, [...path, Array.isArray(v) ? Number(k) : k]),
      );
    };
    const mutate = (r: CedarRequest, path: (string | number)[]): CedarRequest => {
      const copy = JSON.parse(JSON.stringify(r)) as Record<string | number, unknown>;
      let at = copy;
      for (const k of path.slice(0, -1)) at = at[k] as Record<string | number, unknown>;
      const last = path[path.length - 1]!;
      const old = at[last];
      at[last] = typeof old === 'number' ? old + 1 : typeof old === 'boolean' ? !old : `${String(old)}x`;
      return copy as unknown as CedarRequest;
    };
    let checked = 0;
    let decisionChanged = 0;
    for (const d of decisions.slice(0, 12)) {
      const base = asRequest(d);
      const first = cached.evaluate(base);
      const hitsBefore = cached.hits;
      // The same values, as a fresh object: a hit, equal to a fresh evaluation.
      expect(cached.evaluate(asRequest(d))).toEqual(inner.evaluate(base));
      expect(cached.hits).toBe(hitsBefore + 1);
      expect(first).toEqual(inner.evaluate(base));
      for (const path of leaves(base)) {
        const changed = mutate(base, path);
        expect(cached.keyOf(changed), path.join('.')).not.toBe(cached.keyOf(base));
        const h = cached.hits;
        const answer = cached.evaluate(changed);
        expect(cached.hits, `a changed ${path.join('.')} must miss`).toBe(h);
        expect(answer).toEqual(inner.evaluate(changed));
        if (answer.ok && first.ok && answer.value.decision !== first.value.decision) decisionChanged++;
        checked++;
      }
    }
    expect(checked).toBeGreaterThan(200);
    // Some single-field changes do change the decision: a stale cached answer would have been caught.
    expect(decisionChanged).toBeGreaterThan(0);
  });

  it('the cache is per policy version: the same request under another version is evaluated again', () => {
    const other = compileEngine(`${DEFAULT_POLICY_TEXT}\n`);
    const v2 = { ...other.version, text: `${DEFAULT_POLICY_TEXT}\n`, schema: GATEWAY_SCHEMA, tests: [] };
    const e1 = new EngineCache().get(version);
    const e2 = new EngineCache().get(v2);
    if (!('engine' in e1) || !('engine' in e2)) throw new Error('compile');
    const d = decisions[0]!;
    const req = {
      principal: d.principal,
      action: d.action,
      resource: d.resource,
      context: d.context,
      entities: d.entities,
    } as CedarRequest;
    expect(new CachingEngine(e1.engine, 10).keyOf(req)).not.toBe(new CachingEngine(e2.engine, 10).keyOf(req));
  });

  it('a version whose text does not hash to its digest is refused by the engine cache (never compiled under that digest)', () => {
    const forged = { ...version, text: DEFAULT_POLICY_TEXT.replace('permit', 'forbid') };
    const e = new EngineCache().get(forged);
    expect('engine' in e).toBe(false);
    const r = new DecisionReplayer([forged]).replayOne(row(decisions[0]!, 1))!;
    expect(r.problem).not.toBeNull();
    expect(r.recomputed).toBeNull();
  });

  it('one rule for the console and bundle verification: a reordered list of determining policies matches', () => {
    const d =
      decisions.find((x) => x.determiningPolicies.length >= 2) ??
      decisions.find((x) => x.determiningPolicies.length >= 1)!;
    const reordered = { ...d, determiningPolicies: [...d.determiningPolicies, d.determiningPolicies[0]!].slice(1) };
    const sets = new DecisionReplayer([version]).replay([row(d, 1), row(reordered, 2)]);
    expect(sets).toMatchObject({ matched: 2, mismatched: 0 });
    const dropped = { ...d, determiningPolicies: d.determiningPolicies.slice(1) };
    expect(new DecisionReplayer([version]).replay([row(dropped, 3)])).toMatchObject({ matched: 0, mismatched: 1 });
  });

  it('rows packed for a worker unpack to the same rows', () => {
    const rows = decisions.slice(0, 5).map((d, i) => row(d, 1000 + i, 'com.arx.policy.decided', i % 2 === 0));
    const back = unpackRows(packRows(rows));
    expect(back.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString() }))).toEqual(
      rows.map((r) => ({ ...r, bytes: Buffer.from(r.bytes).toString() })),
    );
  });
});
