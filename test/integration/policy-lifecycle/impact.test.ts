import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { runImpact } from '../../../electron/main/policy/impact';
import { compileEngine, simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';

/**
 * Impact replay against a known, deterministic simulated log (electron/main/simulator): a draft
 * that tightens one rule (the default per-request cost cap, $2.00 → $0.10) must flip exactly the
 * recorded permits that the tightened rule now forbids, computed here independently from the
 * recorded request contexts with plain arithmetic (no Cedar).
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const EVENTS = 9000;
const TIGHT = DEFAULT_POLICY_TEXT.replace(
  'when { context.estimatedCostCents > 200 }',
  'when { context.estimatedCostCents > 10 }',
);

interface Decided {
  decision: 'permit' | 'deny';
  principal: { id: string };
  resource: { id: string };
  context: {
    estimatedCostCents: number;
    billingTeam: { __entity: { id: string } };
    breakGlass?: { justificationLength: number };
  };
  entities: { uid: { type: string; id: string }; attrs: Record<string, unknown> }[];
}

beforeAll(async () => {
  db = await migratedDatabase('impact');
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: EVENTS,
    seed: 7,
    start: new Date('2026-11-02T00:00:00Z'),
    engine: compileEngine(DEFAULT_POLICY_TEXT),
  });
}, 120_000);
afterAll(async () => {
  await db?.drop();
});

async function recorded(limit?: number): Promise<Decided[]> {
  const r = await db.admin.query<{ d: Decided }>(
    `SELECT doc->'data' AS d FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided' ORDER BY seq DESC ${limit ? `LIMIT ${limit}` : ''}`,
    [db.tenants.a],
  );
  return r.rows.map((x) => x.d);
}

/** The oracle: a recorded permit that the $0.10 cap forbids (same exemptions as the rule: two teams, valid break-glass). */
function flipsUnderTightCap(ds: Decided[]) {
  const byTeam: Record<string, number> = {};
  let n = 0;
  for (const d of ds) {
    if (d.decision !== 'permit') continue;
    const team = d.context.billingTeam.__entity.id;
    const user = d.entities.find((e) => e.uid.type === 'Arx::User' && e.uid.id === d.principal.id)!;
    const breakGlass =
      d.context.breakGlass !== undefined &&
      user.attrs['breakGlassEligible'] === true &&
      d.context.breakGlass.justificationLength >= 20;
    if (d.context.estimatedCostCents > 10 && team !== 'research' && team !== 'intel-analysis' && !breakGlass) {
      n++;
      byTeam[team] = (byTeam[team] ?? 0) + 1;
    }
  }
  return { n, byTeam };
}

describe('impact analysis', () => {
  it('gives the exact flip counts, by team, for a draft that tightens one rule (both cores)', async () => {
    const all = await recorded();
    expect(all.length).toBeGreaterThan(1000);
    const expected = flipsUnderTightCap(all);
    expect(expected.n).toBeGreaterThan(20);
    const progress: number[] = [];
    const r = await runImpact(db.consolePool, {
      tenantId: db.tenants.a,
      text: TIGHT,
      schema: null,
      workers: 2,
      batchSize: 250,
      onProgress: (p) => progress.push(p),
    });
    expect(r.workers).toBe(2);
    expect(r.replayed).toBe(all.length);
    expect(r.errors).toBe(0);
    expect(r.totals).toEqual({ permitToDeny: expected.n, denyToPermit: 0 });
    expect(Object.fromEntries(Object.entries(r.byTeam).map(([k, v]) => [k, v.permitToDeny]))).toEqual(expected.byTeam);
    expect(Object.values(r.byProvider).reduce((a, v) => a + v.permitToDeny, 0)).toBe(expected.n);
    expect(Object.values(r.byModel).reduce((a, v) => a + v.permitToDeny, 0)).toBe(expected.n);
    expect(r.examples.length).toBe(Math.min(50, expected.n));
    for (const e of r.examples) {
      expect(e).toMatchObject({ recorded: 'permit', now: 'deny' });
      expect(e.determiningPolicies).toContain('arx.cost.default-cap');
      expect(e.eventId).toMatch(/:1$/);
    }
    expect(progress.at(-1)).toBe(all.length);
  }, 120_000);

  it('the same text replays with no flips; a window of the last N decisions replays exactly N', async () => {
    const same = await runImpact(db.consolePool, {
      tenantId: db.tenants.a,
      text: DEFAULT_POLICY_TEXT,
      schema: null,
      workers: 2,
    });
    expect(same.totals).toEqual({ permitToDeny: 0, denyToPermit: 0 });
    const last = await recorded(300);
    const r = await runImpact(db.consolePool, {
      tenantId: db.tenants.a,
      text: TIGHT,
      schema: null,
      window: { lastDecisions: 300 },
      workers: 2,
      batchSize: 64,
    });
    expect(r.replayed).toBe(300);
    expect(r.totals.permitToDeny).toBe(flipsUnderTightCap(last).n);
  }, 120_000);

  it('a draft that loosens a rule flips denials to permits (removing the jurisdiction rule)', async () => {
    const loose = DEFAULT_POLICY_TEXT.replace(/@id\("arx\.jurisdiction\.model-region"\)[\s\S]*?;\n/, '');
    expect(loose).not.toContain('arx.jurisdiction.model-region');
    const all = await recorded();
    const onlyJurisdiction = all.filter(
      (d) =>
        d.decision === 'deny' &&
        JSON.stringify((d as unknown as { determiningPolicies: string[] }).determiningPolicies) ===
          '["arx.jurisdiction.model-region"]',
    ).length;
    const r = await runImpact(db.consolePool, { tenantId: db.tenants.a, text: loose, schema: null, workers: 2 });
    expect(r.totals).toEqual({ permitToDeny: 0, denyToPermit: onlyJurisdiction });
    expect(onlyJurisdiction).toBeGreaterThan(0);
  }, 120_000);

  it('refuses a draft with validation errors, and can be cancelled', async () => {
    await expect(
      runImpact(db.consolePool, {
        tenantId: db.tenants.a,
        text: '@id("x") permit (principal, action, resource) when { context.nope };',
        schema: null,
      }),
    ).rejects.toMatchObject({
      code: 'POLICY_SUBMIT_BLOCKED',
    });
    const controller = new AbortController();
    const run = runImpact(db.consolePool, {
      tenantId: db.tenants.a,
      text: TIGHT,
      schema: null,
      workers: 2,
      batchSize: 16,
      signal: controller.signal,
      onProgress: (p) => {
        if (p > 0) controller.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
  }, 120_000);
});
