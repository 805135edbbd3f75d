import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromBase64, toBase64 } from '../../../shared/bytes';
import { ed25519Signer, parseTlogProof } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import type { ExplorerFilter, ExplorerRow, ExplorerSort } from '../../../shared/contract/domains/audit-explorer';
import { checkEvent } from '../../../shared/explorer';
import { loadWasmMerkleHasher } from '../../../electron/main/chain/node-crypto';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { loadDashboard } from '../../../electron/main/explorer/dashboard';
import { loadEventDetail } from '../../../electron/main/explorer/event-detail';
import { loadFacets } from '../../../electron/main/explorer/facets';
import { InclusionProver, SubtreeCache } from '../../../electron/main/explorer/proof';
import { countMatches, queryPage } from '../../../electron/main/explorer/query';
import { matchCount } from '../../../electron/main/controlplane/repos/explorer';
import { nobleBlake3 } from '../../../shared/chain';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';
import { tamperAsOwner } from '../../support/tamper';

/**
 * The explorer against a known simulated data set (deterministic simulator, seed 11) in a real
 * PostgreSQL. The oracle is computed here, independently, from the stored *bytes* of every event:
 * each filter and sort must return exactly the events the oracle selects, in its order, across
 * keyset pages.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const EVENTS = 4000;
const CHECKPOINTED = 3600;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.explorer-test.1' };
let tenant: string;
let other: string;

interface OracleEvent {
  seq: number;
  id: string;
  type: string;
  time: string;
  subject: string | null;
  data: Record<string, unknown>;
}
let oracle: OracleEvent[];
let reasons: string[];

beforeAll(async () => {
  db = await migratedDatabase('explorer');
  tenant = db.tenants.a;
  other = db.tenants.b;
  const signer = ed25519Signer(key.name, key.secret);
  await registerGatewayKey(db.admin, tenant, {
    name: key.name,
    secretKey: key.secret,
    publicKey: signer.publicKey,
    validFrom: new Date('2026-01-01T00:00:00Z'),
  });
  const cp = new Checkpointer(tenant, signer, { everyEvents: 500, everyMs: 3_600_000 * 24 * 365 });
  const writer = new ChainWriter(db.gatewayPool, tenant, {
    source: '/arx/simulator/test',
    afterAppend: cp.afterAppend,
  });
  await simulate({
    pool: db.gatewayPool,
    tenantId: tenant,
    events: CHECKPOINTED,
    seed: 11,
    start: new Date('2026-11-02T00:00:00Z'),
    writer,
    batchSize: 500,
  });
  // A tail after the newest checkpoint, not yet provable.
  const plain = new ChainWriter(db.gatewayPool, tenant, { source: '/arx/simulator/test' });
  await simulate({
    pool: db.gatewayPool,
    tenantId: tenant,
    events: EVENTS - CHECKPOINTED,
    seed: 12,
    start: new Date('2026-11-20T00:00:00Z'),
    writer: plain,
  });
  // Another tenant's traffic, with the same users: it must never show up.
  await simulate({
    pool: db.gatewayPool,
    tenantId: other,
    events: 700,
    seed: 11,
    start: new Date('2026-11-02T00:00:00Z'),
  });

  const rows = await db.admin.query<{ seq: string; bytes: Buffer }>(
    'SELECT seq, bytes FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq',
    [tenant],
  );
  oracle = rows.rows.map((r) => {
    const e = JSON.parse(r.bytes.toString('utf8')) as {
      id: string;
      type: string;
      time: string;
      subject?: string;
      data: Record<string, unknown>;
    };
    return { seq: Number(r.seq), id: e.id, type: e.type, time: e.time, subject: e.subject ?? null, data: e.data };
  });
  reasons = (await withTenant(db.consolePool, tenant, (c) => loadFacets(c, tenant))).reason;
}, 240_000);
afterAll(async () => {
  await db?.drop();
});

async function all(
  filter: ExplorerFilter,
  sort: ExplorerSort,
  limit = 97,
  tenantId = tenant,
  asTenant = tenantId,
): Promise<ExplorerRow[]> {
  const out: ExplorerRow[] = [];
  let cursor: string | null = null;
  for (let pages = 0; pages < 1000; pages++) {
    const page = await withTenant(db.consolePool, asTenant, (c) => queryPage(c, tenantId, filter, sort, cursor, limit));
    out.push(...page.rows);
    expect(page.rows.length).toBeLessThanOrEqual(limit);
    if (page.next === null) return out;
    cursor = page.next;
  }
  throw new Error('pagination did not end');
}

const REQUEST_PATH =
  /^com\.arx\.(request|provider)\.|^com\.arx\.(policy\.decided|response\.returned|content\.redacted)$/;
const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const userOf = (e: OracleEvent) =>
  str(e.data.user) ?? (REQUEST_PATH.test(e.type) ? (e.subject ?? undefined) : undefined);
const entityId = (v: unknown) => str((v as { __entity?: { id?: unknown } } | undefined)?.__entity?.id);
const ctx = (e: OracleEvent) => e.data.context as Record<string, unknown> | undefined;
const decidedModel = (e: OracleEvent, part: 0 | 1) =>
  e.type === 'com.arx.policy.decided'
    ? (str((e.data.resource as { id?: unknown }).id)?.split('/')[part] ?? undefined)
    : undefined;
const classOf = (e: OracleEvent) => str(e.data.classification) ?? entityId(ctx(e)?.classification);
const teamOf = (e: OracleEvent) => str(e.data.team) ?? entityId(ctx(e)?.billingTeam);
const providerOf = (e: OracleEvent) => str(e.data.provider) ?? decidedModel(e, 0);
const modelOf = (e: OracleEvent) => str(e.data.model) ?? decidedModel(e, 1);
const costOf = (e: OracleEvent) => (typeof e.data.costCents === 'number' ? e.data.costCents : undefined);
const byTimeDesc = (a: OracleEvent, b: OracleEvent) => (a.time < b.time ? 1 : a.time > b.time ? -1 : b.seq - a.seq);

describe('explorer filters and sorts a known simulated data set', () => {
  it('the data set is what the simulator makes (a sanity check on the oracle)', () => {
    expect(oracle).toHaveLength(EVENTS);
    expect(new Set(oracle.map((e) => e.type)).size).toBeGreaterThanOrEqual(8);
    expect(oracle.filter((e) => e.data.decision === 'deny').length).toBeGreaterThan(10);
  });

  it('no filter, newest first: every event once, in (time, seq) descending order, across keyset pages', async () => {
    const got = await all({}, { key: 'time', direction: 'desc' }, 250);
    expect(got.map((r) => r.seq)).toEqual([...oracle].sort(byTimeDesc).map((e) => e.seq));
    // Times are the events' own, to the microsecond.
    expect(got[0]!.time).toBe([...oracle].sort(byTimeDesc)[0]!.time);
  });

  it('seq ascending and descending', async () => {
    expect((await all({}, { key: 'seq', direction: 'asc' }, 500)).map((r) => r.seq)).toEqual(oracle.map((e) => e.seq));
    const desc = await all({ type: 'com.arx.policy.decided' }, { key: 'seq', direction: 'desc' });
    expect(desc.map((r) => r.seq)).toEqual(
      oracle
        .filter((e) => e.type === 'com.arx.policy.decided')
        .map((e) => e.seq)
        .reverse(),
    );
  });

  const pick = <K extends keyof OracleEvent['data']>(k: K) => {
    const counts = new Map<string, number>();
    for (const e of oracle)
      if (typeof e.data[k] === 'string') counts.set(e.data[k] as string, (counts.get(e.data[k] as string) ?? 0) + 1);
    // A value that is neither the most nor the least common: a real filter, not everything.
    return [...counts].sort((a, b) => b[1] - a[1])[Math.min(1, counts.size - 1)]![0];
  };

  const cases: [string, () => ExplorerFilter, (e: OracleEvent, f: ExplorerFilter) => boolean][] = [
    ['type', () => ({ type: 'com.arx.cost.recorded' }), (e, f) => e.type === f.type],
    [
      'time range',
      () => ({ timeFrom: oracle[800]!.time, timeTo: oracle[1900]!.time }),
      (e, f) => e.time >= f.timeFrom! && e.time < f.timeTo!,
    ],
    ['user', () => ({ user: pick('user') }), (e, f) => userOf(e) === f.user],
    ['team', () => ({ team: pick('team') }), (e, f) => teamOf(e) === f.team],
    ['provider', () => ({ provider: pick('provider') }), (e, f) => providerOf(e) === f.provider],
    ['model', () => ({ model: pick('model') }), (e, f) => modelOf(e) === f.model],
    ['decision', () => ({ decision: 'deny' }), (e) => e.data.decision === 'deny'],
    ['classification', () => ({ classification: 'cui' }), (e) => classOf(e) === 'cui'],
    [
      'team of denials (read from the Cedar context)',
      () => ({ team: pick('team'), decision: 'deny' }),
      (e, f) => teamOf(e) === f.team && e.data.decision === 'deny',
    ],
    [
      'denial reason',
      // The value as the explorer lists it (PostgreSQL's jsonb text), matched by meaning.
      () => ({ reason: reasons.find((r) => (JSON.parse(r) as string[]).length === 2) ?? reasons[0]! }),
      (e, f) =>
        e.data.decision === 'deny' &&
        JSON.stringify(e.data.determiningPolicies) === JSON.stringify(JSON.parse(f.reason!)),
    ],
    [
      'cost range',
      () => ({ costMin: 2, costMax: 9 }),
      (e) => costOf(e) !== undefined && costOf(e)! >= 2 && costOf(e)! <= 9,
    ],
    ['search by event id', () => ({ search: oracle[1234]!.id }), (e) => e.seq === 1234],
    [
      'search by request id',
      () => ({ search: oracle[1234]!.data.requestId as string }),
      (e) => e.data.requestId === oracle[1234]!.data.requestId,
    ],
    ['search by subject', () => ({ search: oracle[1234]!.subject! }), (e) => e.subject === oracle[1234]!.subject],
    [
      'several at once',
      () => ({
        team: pick('team'),
        provider: pick('provider'),
        type: 'com.arx.cost.recorded',
        timeFrom: oracle[200]!.time,
      }),
      (e, f) => teamOf(e) === f.team && providerOf(e) === f.provider && e.type === f.type && e.time >= f.timeFrom!,
    ],
  ];
  for (const [name, make, match] of cases) {
    it(`filter: ${name}`, async () => {
      const f = make();
      const want = oracle
        .filter((e) => match(e, f))
        .sort(byTimeDesc)
        .map((e) => e.seq);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(EVENTS);
      expect((await all(f, { key: 'time', direction: 'desc' })).map((r) => r.seq)).toEqual(want);
      // The same set, oldest first.
      expect((await all(f, { key: 'time', direction: 'asc' }, 53)).map((r) => r.seq)).toEqual([...want].reverse());
    });
  }

  it('sort by cost, both directions, ties broken by seq', async () => {
    const costed = oracle.filter((e) => costOf(e) !== undefined);
    const want = [...costed].sort((a, b) => costOf(b)! - costOf(a)! || b.seq - a.seq).map((e) => e.seq);
    const got = await all({}, { key: 'cost', direction: 'desc' }, 61);
    expect(got.map((r) => r.seq)).toEqual(want);
    expect(got[0]!.costCents).toBe(costOf(costed.find((e) => e.seq === want[0])!));
    const asc = await all({ team: pick('team') }, { key: 'cost', direction: 'asc' }, 40);
    const wantAsc = costed
      .filter((e) => teamOf(e) === pick('team'))
      .sort((a, b) => costOf(a)! - costOf(b)! || a.seq - b.seq)
      .map((e) => e.seq);
    expect(asc.map((r) => r.seq)).toEqual(wantAsc);
  });

  it('a filtered first page with more to come is countable; the count is its own command: exact, or an estimate above the limit', async () => {
    const denied = oracle.filter((e) => e.data.decision === 'deny').length;
    const filter = { type: 'com.arx.policy.decided' } as const;
    const decided = oracle.filter((e) => e.type === filter.type).length;
    expect(decided).toBeGreaterThan(20);
    const first = await withTenant(db.consolePool, tenant, (c) =>
      queryPage(c, tenant, filter, { key: 'time', direction: 'desc' }, null, 10),
    );
    expect(first.countable).toBe(true);
    expect(
      await withTenant(db.consolePool, tenant, (c) =>
        countMatches(c, tenant, filter, { key: 'time', direction: 'desc' }),
      ),
    ).toEqual({ count: decided, exact: true });
    // Not on a later page, nor when one page holds every match, nor without a filter.
    const second = await withTenant(db.consolePool, tenant, (c) =>
      queryPage(c, tenant, filter, { key: 'time', direction: 'desc' }, first.next, 10),
    );
    expect(second.countable).toBeUndefined();
    const one = await withTenant(db.consolePool, tenant, (c) =>
      queryPage(c, tenant, { decision: 'deny' }, { key: 'time', direction: 'desc' }, null, denied),
    );
    expect(one.countable).toBeUndefined();
    expect(
      (
        await withTenant(db.consolePool, tenant, (c) =>
          queryPage(c, tenant, {}, { key: 'seq', direction: 'asc' }, null, 10),
        )
      ).countable,
    ).toBeUndefined();
    // A bad filter is refused by the count with the page's code.
    await expect(
      withTenant(db.consolePool, tenant, (c) =>
        countMatches(
          c,
          tenant,
          { timeFrom: '2026-11-03T00:00:00Z', timeTo: '2026-11-02T00:00:00Z' },
          {
            key: 'time',
            direction: 'desc',
          },
        ),
      ),
    ).rejects.toMatchObject({ code: 'EXPLORER_FILTER_INVALID' });
    // Above the exact limit: PostgreSQL's estimate, never below what was counted.
    await db.admin.query('ANALYZE arx.audit_events');
    const est = await withTenant(db.consolePool, tenant, (c) => matchCount(c, tenant, filter, 'time', 20));
    expect(est.exact).toBe(false);
    expect(est.count).toBeGreaterThanOrEqual(21);
    expect(est.count).toBeLessThan(decided * 3);
  });

  it('a cursor from another sort order is refused with its code; empty ranges are refused', async () => {
    const first = await withTenant(db.consolePool, tenant, (c) =>
      queryPage(c, tenant, {}, { key: 'time', direction: 'desc' }, null, 10),
    );
    await expect(
      withTenant(db.consolePool, tenant, (c) =>
        queryPage(c, tenant, {}, { key: 'cost', direction: 'desc' }, first.next, 10),
      ),
    ).rejects.toMatchObject({ code: 'EXPLORER_CURSOR_INVALID' });
    await expect(
      withTenant(db.consolePool, tenant, (c) =>
        queryPage(c, tenant, {}, { key: 'seq', direction: 'desc' }, 'garbage!', 10),
      ),
    ).rejects.toMatchObject({ code: 'EXPLORER_CURSOR_INVALID' });
    await expect(
      withTenant(db.consolePool, tenant, (c) =>
        queryPage(c, tenant, { costMin: 9, costMax: 2 }, { key: 'seq', direction: 'desc' }, null, 10),
      ),
    ).rejects.toMatchObject({ code: 'EXPLORER_FILTER_INVALID' });
  });

  it('tenant isolation: row-level security hides another tenant’s events even when asked for by id', async () => {
    // Opened for tenant b, asking for tenant a's rows: nothing.
    expect(await all({}, { key: 'seq', direction: 'asc' }, 500, tenant, other)).toEqual([]);
    const b = await all({}, { key: 'seq', direction: 'asc' }, 500, other);
    expect(b).toHaveLength(700);
    // The same users and request ids exist in both tenants (same seed): a's search never sees b's.
    const aHits = await all({ search: oracle[100]!.data.requestId as string }, { key: 'seq', direction: 'asc' });
    expect(aHits.every((r) => oracle[r.seq]!.data.requestId === oracle[100]!.data.requestId)).toBe(true);
    const detail = withTenant(db.consolePool, other, async (c) => loadEventDetail(c, tenant, 5, await detailDeps()));
    await expect(detail).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('facets list the values of each filter and the span of the chain', async () => {
    const f = await withTenant(db.consolePool, tenant, (c) => loadFacets(c, tenant));
    const distinct = (xs: (string | undefined)[]) =>
      [...new Set(xs.filter((x): x is string => x !== undefined))].sort();
    const sortC = (xs: string[]) => [...xs].sort();
    expect(sortC(f.team)).toEqual(distinct(oracle.map(teamOf)));
    expect(sortC(f.model)).toEqual(distinct(oracle.map(modelOf)));
    expect(sortC(f.provider)).toEqual(distinct(oracle.map(providerOf)));
    expect(sortC(f.user)).toEqual(distinct(oracle.map(userOf)));
    expect(f.events).toBe(EVENTS);
    expect(f.firstTime).toBe([...oracle].sort(byTimeDesc).at(-1)!.time);
  });

  it('dashboard totals equal the oracle’s', async () => {
    const d = await withTenant(db.consolePool, tenant, (c) => loadDashboard(c, tenant, null, null));
    expect(d.eventsOverTime.reduce((a, b) => a + b.count, 0)).toBe(EVENTS);
    const denials = oracle.filter((e) => e.data.decision === 'deny');
    expect(d.denialsByReason.reduce((a, b) => a + b.count, 0)).toBe(denials.length);
    const cost = oracle.reduce((a, e) => a + (costOf(e) ?? 0), 0);
    expect(d.costByTeamProvider.reduce((a, b) => a + b.costCents, 0)).toBe(cost);
    const team = pick('team');
    const teamCost = oracle.filter((e) => teamOf(e) === team).reduce((a, e) => a + (costOf(e) ?? 0), 0);
    expect(d.costByTeamProvider.filter((c) => c.team === team).reduce((a, b) => a + b.costCents, 0)).toBe(teamCost);
    for (const o of d.costOutliers) expect(o.score).toBeGreaterThan(d.threshold);
  });
});

let hasher: Awaited<ReturnType<typeof loadWasmMerkleHasher>>;
async function detailDeps() {
  hasher ??= await loadWasmMerkleHasher();
  return { blake3: nobleBlake3, hasher, cache: new SubtreeCache() };
}
const detail = async (seq: number, cache?: SubtreeCache) => {
  const deps = await detailDeps();
  return withTenant(db.consolePool, tenant, (c) => loadEventDetail(c, tenant, seq, cache ? { ...deps, cache } : deps));
};

const tamper = (sql: string, params: unknown[]) => tamperAsOwner(db.admin, sql, params);

describe('event detail: bytes, digest, link and an inclusion proof checked in shared/ code', () => {
  it('an untouched event: digest, link, inclusion and jsonb all check out, to the nearest checkpoint', async () => {
    for (const seq of [0, 1, 499, 500, 1777, 3499]) {
      const e = await detail(seq);
      const c = checkEvent(e);
      expect([seq, c.digest.state, c.link.state, c.inclusion.state, c.jsonb.state]).toEqual([
        seq,
        'ok',
        'ok',
        'ok',
        'ok',
      ]);
      // The nearest checkpoint: the first tree size above the seq (one every 500 events).
      expect(e.proof!.treeSize).toBe(Math.floor(seq / 500) * 500 + 500);
      expect(c.text).toBe(Buffer.from(e.bytesBase64, 'base64').toString('utf8'));
      expect((c.parsed as { id: string }).id).toBe(oracle[seq]!.id);
    }
  });

  it('proofs built from a warm subtree cache equal those built cold', async () => {
    const cache = new SubtreeCache();
    const warmed = new SubtreeCache();
    await withTenant(db.consolePool, tenant, async (c) =>
      new InclusionProver(c, tenant, (await detailDeps()).hasher, warmed).warm(3500),
    );
    const warm = [await detail(2100, cache), await detail(2999, cache), await detail(1024, warmed)];
    const cold = [await detail(2100), await detail(2999), await detail(1024)];
    expect(warm.map((e) => e.proof!.tlogProof)).toEqual(cold.map((e) => e.proof!.tlogProof));
    // And both equal shared/merkle's in-memory tree over the same chain hashes (RFC 9162 PATH).
    const hashes = await db.admin.query<{ chain_hash: Buffer }>(
      'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq < 3000 ORDER BY seq',
      [tenant],
    );
    const tree = MerkleTree.fromLeaves(hashes.rows.map((r) => new Uint8Array(r.chain_hash)));
    const proof2999 = parseTlogProof(warm[1]!.proof!.tlogProof);
    expect(proof2999.ok && proof2999.value.proof.map(toBase64)).toEqual(tree.inclusionProof(2999, 3000).map(toBase64));
  });

  it('an event in the tail after the newest checkpoint has no proof yet, and says why', async () => {
    const e = await detail(CHECKPOINTED + 10);
    const c = checkEvent(e);
    expect(c.inclusion.state).toBe('unavailable');
    expect(c.inclusion.detail).toMatch(/not yet provable/);
    expect(c.digest.state).toBe('ok');
  });

  it('a forged proof does not verify: a changed hash, a dropped hash, another index, another checkpoint signer', async () => {
    const e = await detail(1500);
    const lines = e.proof!.tlogProof.split('\n');
    const flip = (line: string) => {
      const b = fromBase64(line)!;
      b[0]! ^= 1;
      return toBase64(b);
    };
    const forged = [
      [...lines.slice(0, 2), flip(lines[2]!), ...lines.slice(3)].join('\n'),
      [...lines.slice(0, 2), ...lines.slice(3)].join('\n'),
      e.proof!.tlogProof.replace('index 1500', 'index 1501'),
    ];
    for (const tlogProof of forged) {
      const c = checkEvent({ ...e, proof: { ...e.proof!, tlogProof } });
      expect(c.inclusion.state).toBe('fail');
    }
    // The proof of event 1500 presented for event 1501's row.
    const e2 = await detail(1501);
    expect(checkEvent({ ...e2, proof: e.proof }).inclusion.state).toBe('fail');
    // A checkpoint signed by a key the tenant never registered.
    const rogue = ed25519Signer(key.name, ed25519.utils.randomSecretKey());
    const { signNote } = await import('../../../shared/checkpoint');
    const body = e.proof!.tlogProof.slice(e.proof!.tlogProof.indexOf('\n\n') + 2);
    const text = body.slice(0, body.indexOf('\n\n') + 1);
    const resigned = e.proof!.tlogProof.replace(body, signNote(text, [rogue]));
    const c = checkEvent({ ...e, proof: { ...e.proof!, tlogProof: resigned } });
    expect(c.inclusion).toMatchObject({ state: 'fail', code: 'NOTE_UNVERIFIED' });
    // And a key outside its validity window.
    const late = checkEvent({
      ...e,
      verifierKeys: e.verifierKeys.map((k) => ({ ...k, validFrom: '2030-01-01T00:00:00.000Z' })),
    });
    expect(late.inclusion).toMatchObject({ state: 'fail', code: 'CHECKPOINT_KEY_NOT_VALID' });
  });

  it('the jsonb copy changed behind the chain: the detail says it disagrees with the bytes, which still verify', async () => {
    const seq = 2222;
    const team = oracle.find((e) => e.type === 'com.arx.cost.recorded' && e.seq > 2200 && e.seq < 2400)!;
    await tamper(
      `UPDATE arx.audit_events SET doc = jsonb_set(doc, '{data,costCents}', '0') WHERE tenant_id = $1 AND seq = $2`,
      [tenant, team.seq],
    );
    const c = checkEvent(await detail(team.seq));
    expect(c.jsonb).toMatchObject({ state: 'fail', code: 'JSONB_DISAGREES' });
    expect(c.jsonb.detail).toContain('data.costCents');
    expect([c.digest.state, c.link.state, c.inclusion.state]).toEqual(['ok', 'ok', 'ok']);
    // The untouched neighbour agrees.
    expect(checkEvent(await detail(seq)).jsonb.state).toBe('ok');
  });

  it('changed payload bytes: the digest check fails, and a consistently re-forged row fails the inclusion proof', async () => {
    const seq = 2700;
    await tamper(
      `UPDATE arx.audit_events SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"requestId":"', '"requestId":"x'), 'UTF8') WHERE tenant_id = $1 AND seq = $2`,
      [tenant, seq],
    );
    const c = checkEvent(await detail(seq));
    expect(c.digest).toMatchObject({ state: 'fail', code: 'EVENT_DIGEST_MISMATCH' });
    expect(c.jsonb.state).toBe('fail');

    // Re-forge the row completely (digest and chain hash recomputed): digest and link now agree,
    // only the signed checkpoint can tell — and it does.
    const row = await detail(seq);
    const bytes = Buffer.from(row.bytesBase64, 'base64');
    const { eventDigest, chainLink } = await import('../../../shared/chain');
    const d = eventDigest(nobleBlake3, bytes);
    const h = chainLink(nobleBlake3, seq, Buffer.from(row.previousHash!, 'hex'), d);
    await tamper(
      `UPDATE arx.audit_events SET event_digest = $3, chain_hash = $4, doc = convert_from(bytes, 'UTF8')::jsonb WHERE tenant_id = $1 AND seq = $2`,
      [tenant, seq, Buffer.from(d), Buffer.from(h)],
    );
    const forged = checkEvent(await detail(seq, new SubtreeCache()));
    expect([forged.digest.state, forged.link.state, forged.jsonb.state]).toEqual(['ok', 'ok', 'ok']);
    expect(forged.inclusion).toMatchObject({ state: 'fail', code: 'TLOG_PROOF_INVALID' });
  });
});
