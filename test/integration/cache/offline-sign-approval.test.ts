import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { cacheFileOf } from '../../../electron/main/cache/cache-service';
import type { ArxConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import { APPROVAL_OUTBOX_KIND } from '../../../electron/main/policy/lifecycle';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { cacheUnlocked, consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import { cutDatabase, Relay, restoreDatabase } from './support/relay';

/** The card's EDIPI names its operator's cache file (docs/cache.md "One file per operator"). */
const ADAMS_EDIPI = '1000000001';

/**
 * Offline signing of policy approvals: a submitted version the approver has seen while online
 * (its history) is approved on the (SoftHSM2, RSA) card while the control plane is unreachable;
 * the approval goes to the outbox as kind policy.approval and, when the database is back, arrives
 * once: the approver's signature, the state `approved` and one com.arx.policy.approved event. A
 * version that was rejected meanwhile refuses the queued approval (kept, POLICY_STATE_INVALID).
 */

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let config: ArxConfig;
let relay: Relay;
let dir: string;
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
const PIN = '123456';

const { call } = consoleCaller(() => services);
const login = (label: string) => loginCard({ call }, label, PIN);
const cacheOpen = () => cacheUnlocked({ call });
/** A version submitted by ADAMS (the author's card), returned by digest. */
async function submitted(name: string, comment: string): Promise<string> {
  const d = await call<{ digest: { sha256: string } }>('policy.saveDraft', {
    tenantId: db.tenants.a,
    policyName: name,
    baseSha256: null,
    text: `${DEFAULT_POLICY_TEXT}\n// ${comment}\n`,
    schema: null,
    tests: [],
  });
  await call('policy.submit', { tenantId: db.tenants.a, policyName: name, sha256: d.digest.sha256, pin: PIN });
  return d.digest.sha256;
}
async function approvedIn(sha256: string): Promise<{ state: string; approverSignatures: number; events: number }> {
  const v = await db.admin.query<{ state: string }>(
    'SELECT state FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = $2',
    [db.tenants.a, Buffer.from(sha256, 'hex')],
  );
  const s = await db.admin.query(
    `SELECT 1 FROM arx.policy_signatures WHERE tenant_id = $1 AND version_sha256 = $2 AND role = 'approver'`,
    [db.tenants.a, Buffer.from(sha256, 'hex')],
  );
  const e = await db.admin.query(
    `SELECT 1 FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.approved' AND doc->'data'->>'versionSha256' = $2`,
    [db.tenants.a, sha256],
  );
  return { state: v.rows[0]!.state, approverSignatures: s.rowCount ?? 0, events: e.rowCount ?? 0 };
}
const offline = () => cutDatabase(services, relay);
const online = () => restoreDatabase(services, relay);
const outbox = async () =>
  (
    await call<{
      items: { id: string; kind: string; state: string; lastError: { code: string } | null; tenantId: string | null }[];
    }>('cache.outboxList', {})
  ).items;

beforeAll(async () => {
  db = await migratedDatabase('offapprove');
  dir = mkdtempSync(join(tmpdir(), 'arx-offline-approve-'));
  cards = await provisionTestCards(join(dir, 'cards'), {
    specs: TEST_CARDS.filter((c) => [ADAMS, BAKER].includes(c.label)),
  });
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  relay = new Relay(inject('pg').port);
  await relay.open();
  ({ services, config } = await startCardConsole(
    db,
    cards,
    'offapprove',
    { ARX_DATA_DIR: join(dir, 'data') },
    relay.port,
  ));
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await relay?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('approving a policy version offline (outbox kind policy.approval)', () => {
  let first = '';
  let second = '';
  it('seen online, approved with the card offline: queued; delivered once when the database is back', async () => {
    await login(ADAMS);
    first = await submitted('gateway', 'one');
    second = await submitted('egress', 'two');
    await call('card.logout', {});
    // The cache is bound to the first card that opens it: this console's cache is the approver's.
    await call('cache.wipe', { discardOutbox: true });
    await login(BAKER);
    await cacheOpen();
    for (const name of ['gateway', 'egress'])
      await call('policy.history', { tenantId: db.tenants.a, policyName: name });

    await offline();
    // A version never shown while online cannot be approved offline (nothing to show what is signed).
    await expect(
      call('policy.approve', { tenantId: db.tenants.a, sha256: 'a'.repeat(64), pin: PIN }),
    ).rejects.toMatchObject({ code: 'DB_UNREACHABLE' });
    await expect(
      call('policy.approve', { tenantId: db.tenants.a, sha256: first, pin: '000000' }),
    ).rejects.toMatchObject({ code: 'PIN_INCORRECT' });
    const r = await call<{ sha256: string; state: string; delivery: string }>('policy.approve', {
      tenantId: db.tenants.a,
      sha256: first,
      pin: PIN,
    });
    expect(r).toMatchObject({ sha256: first, state: 'submitted', delivery: 'queued' });
    const items = await outbox();
    expect(items.map((i) => [i.kind, i.state, i.tenantId])).toEqual([[APPROVAL_OUTBOX_KIND, 'pending', db.tenants.a]]);
    expect(await approvedIn(first)).toEqual({ state: 'submitted', approverSignatures: 0, events: 0 });

    // Open screens are told when the queued approval lands, as after an online one.
    const changed: unknown[] = [];
    const off = services.hub.subscribe((name, payload) => {
      if (name === 'policy.changed') changed.push(payload);
    });
    await online();
    await call('cache.outboxDeliver', {}); // (the 3 s timer may have delivered it first)
    off();
    expect((await outbox()).map((i) => i.state)).toEqual(['delivered']);
    expect(await approvedIn(first)).toEqual({ state: 'approved', approverSignatures: 1, events: 1 });
    expect(changed).toEqual([{ tenantId: db.tenants.a, policyName: 'gateway', sha256: first, step: 'approved' }]);
    // The delivered approval verifies as an online one does (author and approver, enrolled certificates, roles).
    const h = await call<{
      versions: { sha256: string; signaturesVerified: boolean; approver: { edipi: string } | null }[];
    }>('policy.history', { tenantId: db.tenants.a, policyName: 'gateway' });
    expect(h.versions.find((v) => v.sha256 === first)).toMatchObject({
      signaturesVerified: true,
      approver: { edipi: '1000000002' },
    });
    expect(await call('cache.outboxDeliver', {})).toEqual({ delivered: 0, rejected: 0, pending: 0 });
    expect(await approvedIn(first)).toEqual({ state: 'approved', approverSignatures: 1, events: 1 });
  });

  it('a version rejected before the queued approval arrives: the approval is rejected POLICY_STATE_INVALID and kept; nothing written', async () => {
    await offline();
    const r = await call<{ delivery: string }>('policy.approve', { tenantId: db.tenants.a, sha256: second, pin: PIN });
    expect(r.delivery).toBe('queued');
    await db.admin.query(`UPDATE arx.policy_versions SET state = 'rejected' WHERE tenant_id = $1 AND sha256 = $2`, [
      db.tenants.a,
      Buffer.from(second, 'hex'),
    ]);
    await online();
    await call('cache.outboxDeliver', {});
    const item = (await outbox()).at(-1)!;
    expect(item.state).toBe('rejected');
    expect(item.lastError?.code).toBe('POLICY_STATE_INVALID');
    expect(await approvedIn(second)).toEqual({ state: 'rejected', approverSignatures: 0, events: 0 });
  });

  it('online, an approval is stored at once (delivery stored)', async () => {
    await login(ADAMS);
    const third = await submitted('ingress', 'three');
    await login(BAKER);
    await cacheOpen();
    const r = await call<{ state: string; delivery: string }>('policy.approve', {
      tenantId: db.tenants.a,
      sha256: third,
      pin: PIN,
    });
    expect(r).toMatchObject({ state: 'approved', delivery: 'stored' });
  });

  it('a version seen before a console restart is approved offline after it: queued, then delivered once (the summary kept sealed in the cache)', async () => {
    await login(ADAMS);
    const fourth = await submitted('restart', 'four');
    const unseen = await submitted('restart-unseen', 'five');
    await login(BAKER);
    await cacheOpen();
    await call('policy.history', { tenantId: db.tenants.a, policyName: 'restart' });
    const entries = await call<{ kinds: { kind: string; keys: string[] }[] }>('cache.entries', { limit: 100 });
    expect(entries.kinds.find((k) => k.kind === 'policy.version')?.keys).toContain(`${db.tenants.a}/${fourth}`);

    await services.stop();
    // Never in clear on disk: neither the version's digest nor the policy name is in the cache files.
    for (const f of [cacheFileOf(config, ADAMS_EDIPI), `${cacheFileOf(config, ADAMS_EDIPI)}-wal`].filter((x) =>
      existsSync(x),
    )) {
      const bytes = readFileSync(f);
      expect(bytes.includes(fourth), f).toBe(false);
      expect(bytes.includes(Buffer.from(fourth, 'hex')), f).toBe(false);
      expect(bytes.includes('restart'), f).toBe(false);
    }
    services = createConsoleServices(config);
    await services.start();
    await login(BAKER);
    await cacheOpen();
    await offline();
    // The cache locked: nothing could be queued, so nothing is signed.
    await call('cache.lock', {});
    await expect(call('policy.approve', { tenantId: db.tenants.a, sha256: fourth, pin: PIN })).rejects.toMatchObject({
      code: 'CACHE_LOCKED',
    });
    await call('cache.unlock', {});
    // A version never shown (before or after the restart) still cannot be approved offline.
    await expect(call('policy.approve', { tenantId: db.tenants.a, sha256: unseen, pin: PIN })).rejects.toMatchObject({
      code: 'DB_UNREACHABLE',
    });
    const r = await call<{ sha256: string; state: string; delivery: string; policyName: string }>('policy.approve', {
      tenantId: db.tenants.a,
      sha256: fourth,
      pin: PIN,
    });
    expect(r).toMatchObject({ sha256: fourth, state: 'submitted', delivery: 'queued', policyName: 'restart' });
    const queued = (await outbox()).at(-1)!;
    expect(queued).toMatchObject({ kind: APPROVAL_OUTBOX_KIND, state: 'pending', tenantId: db.tenants.a });
    expect(await approvedIn(fourth)).toEqual({ state: 'submitted', approverSignatures: 0, events: 0 });

    await online();
    await call('cache.outboxDeliver', {}); // (the 3 s timer may have delivered it first)
    expect((await outbox()).find((i) => i.id === queued.id)?.state).toBe('delivered');
    expect(await approvedIn(fourth)).toEqual({ state: 'approved', approverSignatures: 1, events: 1 });
    expect(await call('cache.outboxDeliver', {})).toEqual({ delivered: 0, rejected: 0, pending: 0 });
    expect(await approvedIn(fourth)).toEqual({ state: 'approved', approverSignatures: 1, events: 1 });
  });
});
