import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { ed25519Signer } from '../../../shared/checkpoint';
import { checkEvent } from '../../../shared/explorer';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { cacheFileOf } from '../../../electron/main/cache/cache-service';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { simulate } from '../../../electron/main/simulator/simulate';
import type { ArxConfig } from '../../../electron/main/config/config';
import { cacheUnlocked, consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import { seedTenant } from '../review/support';
import { Relay } from './support/relay';

/** The card's EDIPI names its operator's cache file (docs/cache.md "One file per operator"). */
const ADAMS_EDIPI = '1000000001';

/**
 * Cached evidence, read side, with the real console: a SoftHSM2 card
 * (the cache opens on login, its key wrapped to the card's 9D key) and a real PostgreSQL reached
 * through a TCP relay that the test cuts to make the control plane unreachable. Online reads are
 * sealed into the cache; unreachable, the same reads answer the same evidence marked cached, an
 * uncached one fails with OFFLINE_NOT_CACHED, writes keep failing with DB_UNREACHABLE, and the
 * cache file holds none of the cached evidence in clear.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let relay: Relay;
let dataDir: string;
let config: ArxConfig;
const EVENTS = 600;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.offline-read.1' };

const { call, failure } = consoleCaller(() => services);

beforeAll(async () => {
  db = await migratedDatabase('offread');
  cards = await provisionTestCards(mkdtempSync(join(tmpdir(), 'arx-offread-cards-')));
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  // Signed checkpoints every 200 events, so that an event detail carries an inclusion proof.
  const signer = ed25519Signer(key.name, key.secret);
  await registerGatewayKey(db.admin, db.tenants.a, {
    name: key.name,
    secretKey: key.secret,
    publicKey: signer.publicKey,
    validFrom: new Date('2026-01-01T00:00:00Z'),
  });
  await seedTenant(db.admin, db.gatewayPool, db.tenants.a, 0);
  const cp = new Checkpointer(db.tenants.a, signer, { everyEvents: 200, everyMs: 3_600_000 * 24 * 365 });
  await simulate({
    pool: db.gatewayPool,
    tenantId: db.tenants.a,
    events: EVENTS,
    seed: 5,
    start: new Date('2026-11-02T08:00:00Z'),
    writer: new ChainWriter(db.gatewayPool, db.tenants.a, {
      source: '/arx/simulator/test',
      afterAppend: cp.afterAppend,
    }),
  });
  relay = new Relay(inject('pg').port);
  await relay.open();
  dataDir = mkdtempSync(join(tmpdir(), 'arx-offread-'));
  ({ services, config } = await startCardConsole(db, cards, 'offread', { ARX_DATA_DIR: dataDir }, relay.port));
  await loginCard({ call }, 'ARX TEST ADAMS EC');
  await cacheUnlocked({ call });
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await relay?.close();
  await db?.drop();
});

const tenant = () => db.tenants.a;
const SORT = { key: 'time', direction: 'desc' } as const;
const strip = <T extends { cached?: unknown }>(v: T) => {
  const { cached: _c, ...rest } = v;
  void _c;
  return rest;
};
interface Page {
  rows: { seq: number; eventId: string; type: string }[];
  next: string | null;
  cached?: { at: string };
}
interface EventDetail {
  eventId: string;
  bytesBase64: string;
  proof: { treeSize: number } | null;
  cached?: { at: string };
}
const online: Record<string, Record<string, unknown> & { cached?: unknown }> = {};
let onlineTenants: { id: string; cached?: unknown }[] = [];
let verifyResult: Record<string, unknown> & { jobId: string; cached?: { at: string } };
let certificateId = '';
let bundleReport: {
  report: { ok: boolean; checks: { id: string; ok: boolean; findings: { code: string }[] }[] };
  contents: { events: { json: string }[] } | null;
};
let fetchedAt = '';

const reads = () =>
  ({
    facets: ['explorer.facets', { tenantId: tenant() }],
    page1: ['explorer.query', { tenantId: tenant(), filter: {}, sort: SORT, cursor: null, limit: 50 }],
    page2: [
      'explorer.query',
      {
        tenantId: tenant(),
        filter: {},
        sort: SORT,
        cursor: (online.page1 as unknown as Page | undefined)?.next ?? null,
        limit: 50,
      },
    ],
    // The same filter written in another key order is the same cached page.
    denials: [
      'explorer.query',
      {
        tenantId: tenant(),
        filter: { type: 'com.arx.policy.decided', decision: 'deny' },
        sort: SORT,
        cursor: null,
        limit: 100,
      },
    ],
    event: ['explorer.event', { tenantId: tenant(), seq: 123 }],
    dashboard: ['explorer.dashboard', { tenantId: tenant(), timeFrom: null, timeTo: null }],
    list: ['review.list', { tenantId: tenant() }],
    get: ['review.get', { tenantId: tenant(), id: certificateId }],
    verify: ['review.verify', { source: { kind: 'stored', tenantId: tenant(), id: certificateId } }],
  }) as const;

describe('cached evidence: online reads are sealed, unreachable reads answer from the cache', () => {
  it('online: every read answers live (not marked cached) and is sealed in the cache', async () => {
    const draft = await call<{ draftId: string }>('review.prepare', {
      tenantId: tenant(),
      fromSeq: 0,
      toSeq: 399,
      reverifyJobId: null,
    });
    certificateId = (await call<{ id: string }>('review.sign', { draftId: draft.draftId, pin: '123456' })).id;
    online.page1 = await call('explorer.query', reads().page1[1]);
    fetchedAt = new Date().toISOString();
    for (const [name, [command, req]] of Object.entries(reads())) {
      if (name !== 'page1') online[name] = await call(command, req);
      expect(online[name]!.cached, name).toBeUndefined();
    }
    expect((online.page2 as unknown as Page).rows[0]!.seq).not.toBe((online.page1 as unknown as Page).rows[0]!.seq);
    expect((online.denials as unknown as Page).rows.length).toBeGreaterThan(0);
    expect((online.event as unknown as EventDetail).proof?.treeSize).toBeGreaterThan(123);
    expect((online.list as unknown as { certificates: { id: string }[] }).certificates.map((c) => c.id)).toEqual([
      certificateId,
    ]);
    expect(online.verify!.valid).toBe(true);
    onlineTenants = await call('audit.tenants', {});
    expect(onlineTenants.map((t) => t.id)).toEqual([tenant()]);
    // What the newest signed checkpoint covers (the simulator's last; console events come after it).
    const newest = await db.admin.query<{ at: Date }>(
      'SELECT max(issued_at) AS at FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size = $2',
      [tenant(), EVENTS],
    );
    expect(onlineTenants[0]).toMatchObject({
      checkpointedEvents: EVENTS,
      checkpointedAt: newest.rows[0]!.at.toISOString(),
    });
    expect((onlineTenants[0] as unknown as { events: number }).events).toBeGreaterThan(EVENTS);
    const job = await call<{ jobId: string }>('audit.verifyStart', {
      tenantId: tenant(),
      range: { kind: 'seq', from: 0, to: 299 },
    });
    await expect
      .poll(async () => (await call<{ state: string }>('audit.verifyStatus', { jobId: job.jobId })).state, {
        timeout: 60_000,
      })
      .toBe('done');
    verifyResult = await call('audit.verifyResult', { jobId: job.jobId });
    expect(verifyResult.verdict).toBe('intact');

    // A bundle opened in the console: its report is sealed too (opening it needs no control plane).
    const exported = await call<{ path: string }>('bundle.export', {
      tenant: tenant(),
      from: 0,
      to: 199,
      review: null,
      pin: '123456',
      out: null,
    });
    bundleReport = await call('bundle.open', { path: exported.path, maxEvents: 50 });
    // (Whether the bundle passes every check is test/integration/bundle's concern; here: its report is sealed.)
    expect(bundleReport.contents!.events.length).toBe(50);

    const entries = await call<{ kinds: { kind: string; count: number }[] }>('cache.entries', { limit: 0 });
    const count = (k: string) => entries.kinds.find((e) => e.kind === k)?.count ?? 0;
    expect(count('event-page')).toBe(6); // facets, three pages, one event, the dashboards
    expect(count('certificate')).toBe(2); // list, get
    expect(count('verification')).toBe(3); // the certificate's verification, the tenant list, the chain result
    expect(count('bundle')).toBe(1);
  }, 180_000);

  it('a query that fails with a transient error before the console noticed answers from the cache', async () => {
    // Cut only while no pool client is checked out: pg emits an unhandled 'error' on a checked-out
    // client whose connection drops between queries (see the report; not what is tested here).
    const pool = (services.controlPlane as unknown as { pool: { totalCount: number; idleCount: number } }).pool;
    await expect.poll(() => pool.totalCount - pool.idleCount, { timeout: 30_000 }).toBe(0);
    await relay.close();
    await expect.poll(() => services.controlPlane.status().state, { timeout: 20_000 }).toBe('unreachable');
    // The console's view lags behind the network: status still says connected, the query fails.
    const cp = services.controlPlane;
    const real = cp.status.bind(cp);
    cp.status = () => ({ ...real(), state: 'connected' });
    try {
      const page = await call<Page>('explorer.query', { ...reads().page1[1], filter: {} });
      expect(strip(page)).toEqual(online.page1);
      expect(page.cached?.at).toBeDefined();
    } finally {
      cp.status = real;
    }
  });

  it('unreachable: the same reads answer the same evidence, marked with when it was fetched', async () => {
    expect(services.controlPlane.status().state).toBe('unreachable');
    for (const [name, [command, req]] of Object.entries(reads())) {
      const r = await call<Record<string, unknown> & { cached?: { at: string } }>(
        command,
        name === 'denials' ? { ...req, filter: { decision: 'deny', type: 'com.arx.policy.decided' } } : req,
      );
      expect(strip(r), name).toEqual(online[name]);
      expect(r.cached, name).toBeDefined();
      // Fetched online before the test noted the time (page1 just after it).
      expect(Date.parse(r.cached!.at), name).toBeLessThanOrEqual(
        Date.parse(fetchedAt) + (name === 'page1' ? 1000 : 60_000),
      );
    }
    // The renderer re-checks a cached event exactly as a live one: digest, link and the inclusion proof to the signed checkpoint.
    const event = await call<EventDetail>('explorer.event', reads().event[1]);
    const checked = checkEvent(event as never);
    expect([checked.digest.state, checked.link.state, checked.inclusion.state]).toEqual(['ok', 'ok', 'ok']);

    const tenants = await call<{ id: string; cached?: { at: string } }[]>('audit.tenants', {});
    expect(tenants.map(strip)).toEqual(onlineTenants);
    expect(tenants.every((t) => t.cached)).toBe(true);
    // Verifying the same range again: a finished job holding the cached result.
    const job = await call<{ jobId: string; state: string; verdict: string; cached?: { at: string } }>(
      'audit.verifyStart',
      { tenantId: tenant(), range: { kind: 'seq', from: 0, to: 299 } },
    );
    expect(job).toMatchObject({ state: 'done', verdict: 'intact', cached: { at: verifyResult.finishedAt } });
    expect(await call('audit.verifyStatus', { jobId: job.jobId })).toEqual(job);
    const again = await call<typeof verifyResult>('audit.verifyResult', { jobId: job.jobId });
    expect({ ...strip(again), jobId: verifyResult.jobId }).toEqual(verifyResult);
    expect(again.cached?.at).toBe(verifyResult.finishedAt);
  });

  it('unreachable: an uncached read is OFFLINE_NOT_CACHED with its location; access checks and writes are unchanged', async () => {
    const q = await failure('explorer.query', {
      tenantId: tenant(),
      filter: { user: 'nobody-cached-this' },
      sort: SORT,
      cursor: null,
      limit: 50,
    });
    expect(q.code).toBe('OFFLINE_NOT_CACHED');
    expect(q.message).toMatch(
      /control plane is unreachable and this explorer page .* was not cached on this workstation/,
    );
    expect(q.details).toMatchObject({ tenantId: tenant() });
    // Another page size of a cached query is another query.
    expect((await failure('explorer.query', { ...reads().page1[1], limit: 51 })).code).toBe('OFFLINE_NOT_CACHED');
    const e = await failure('explorer.event', { tenantId: tenant(), seq: 7 });
    expect(e).toMatchObject({ code: 'OFFLINE_NOT_CACHED', details: { tenantId: tenant(), seq: 7 } });
    expect(
      (await failure('audit.verifyStart', { tenantId: tenant(), range: { kind: 'seq', from: 0, to: 300 } })).code,
    ).toBe('OFFLINE_NOT_CACHED');
    expect(
      (
        await failure('review.verify', {
          source: { kind: 'stored', tenantId: tenant(), id: '00000000-0000-4000-8000-000000000000' },
        })
      ).code,
    ).toBe('OFFLINE_NOT_CACHED');
    // A tenant the operator holds no role in stays forbidden, cached or not.
    expect((await failure('explorer.query', { ...reads().page1[1], tenantId: db.tenants.b })).code).toBe(
      'ROLE_REQUIRED',
    );
    // Read-only: a write still fails as before.
    expect(
      (await failure('bundle.export', { tenant: tenant(), from: 0, to: 99, review: null, pin: '123456', out: null }))
        .code,
    ).toBe('DB_UNREACHABLE');
  });

  it('the cache file holds none of the cached evidence in clear', async () => {
    const file = cacheFileOf(config, ADAMS_EDIPI);
    const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
    const page = online.page1 as unknown as Page;
    const event = online.event as unknown as EventDetail;
    const eventText = Buffer.from(event.bytesBase64, 'base64').toString('utf8');
    const list = online.list as unknown as { certificates: { reviewer: { certificateSha256: string } }[] };
    const needles = [
      ...page.rows.map((r) => r.eventId),
      event.eventId,
      eventText.slice(0, 48),
      event.bytesBase64.slice(0, 48),
      certificateId,
      // The reviewer who unlocked it: the card's subject (name and EDIPI) is not the key wrap's label in clear any more.
      'ADAMS.ALICE.ANN.1000000001',
      '1000000001',
      list.certificates[0]!.reviewer.certificateSha256,
      `arx-chain:${tenant()}:0-399`,
      String(online.get!.envelope).slice(20, 80),
      tenant(),
      String((verifyResult.head as { hashBlake3: string }).hashBlake3),
      'com.arx.policy.decided',
      bundleReport.contents!.events[0]!.json.slice(0, 60),
      '"cursor"',
    ];
    expect(bytes.length).toBeGreaterThan(20_000); // the evidence is in there (sealed)
    for (const n of needles) {
      expect(n.length, n).toBeGreaterThanOrEqual(8);
      expect(bytes.includes(Buffer.from(n, 'utf8')), `"${n}" in clear in the cache file`).toBe(false);
    }
  });

  it('back online: live answers again (not marked cached); logged out, nothing is served', async () => {
    await relay.open();
    await expect.poll(() => services.controlPlane.status().state, { timeout: 30_000 }).toBe('connected');
    const live = await call<Page>('explorer.query', {
      tenantId: tenant(),
      filter: { user: 'nobody-cached-this' },
      sort: SORT,
      cursor: null,
      limit: 50,
    });
    expect(live).toMatchObject({ rows: [], next: null });
    expect(live.cached).toBeUndefined();
    await relay.close();
    await expect.poll(() => services.controlPlane.status().state, { timeout: 20_000 }).toBe('unreachable');
    await call('card.logout', {});
    expect((await failure('explorer.query', reads().page1[1])).code).toBe('SESSION_REQUIRED');
    expect((await call<{ state: string }>('cache.status', {})).state).toBe('locked');
  });
});
