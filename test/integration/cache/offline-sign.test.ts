import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import pg from 'pg';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cacheFileOf, workstationId } from '../../../electron/main/cache/cache-service';
import { recoveryUnwrapper } from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { Outbox } from '../../../electron/main/cache/outbox';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import type { ArxConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import { queuedReviewTenant, REVIEW_OUTBOX_KIND, reviewDelivery } from '../../../electron/main/review/outbox-delivery';
import { cacheUnlocked, consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';
import { reforgeEvent, seedTenant } from '../review/support';
import { cutDatabase, Relay, restoreDatabase } from './support/relay';

/** The card's EDIPI names its operator's cache file (docs/cache.md "One file per operator"). */
const ADAMS_EDIPI = '1000000001';

/**
 * Offline signing: a fidelity review prepared online and signed on the (SoftHSM2) card while the
 * control plane is unreachable goes to the encrypted outbox, and arrives exactly once when the
 * database is back — with its com.arx.review.signed event — however often it is delivered, also
 * from a copy of the cache (a second console). A delivery the control plane refuses is kept as
 * rejected with its code.
 *
 * "Unreachable" is real: the console reaches the embedded PostgreSQL through a TCP relay that the
 * test closes (every connection dropped, new ones refused) and opens again on the same port.
 */

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
let config: ArxConfig;
let relay: Relay;
let dir: string;
let recoveryPem: string;
/** The console role as the test's pools connect (its password is set here). */
let consoleUrl = '';
const EVENTS = 120;
const ADAMS = TEST_CARDS.find((c) => c.label === 'ARX TEST ADAMS EC')!;

const { call } = consoleCaller(() => services);

interface Draft {
  draftId: string;
  statement: { predicate: { reviewId: string }; subject: { annotations: { fromSeq: number; toSeq: number } }[] };
}
interface Signed {
  id: string;
  delivery: 'stored' | 'queued';
  outboxItemId: string | null;
  verdict: string;
}
interface OutboxItem {
  id: string;
  kind: string;
  state: string;
  lastError: { code: string; message: string } | null;
  summary: string | null;
  tenantId: string | null;
}

const offline = () => cutDatabase(services, relay);
const online = () => restoreDatabase(services, relay);
/** Rows and events for one review id, counted as the database owner (not through the relay). */
async function stored(tenantId: string, reviewId: string): Promise<{ rows: number; events: number; receipts: number }> {
  const rows = await db.admin.query('SELECT 1 FROM arx.review_certificates WHERE id = $1', [reviewId]);
  const events = await db.admin.query(
    `SELECT 1 FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.review.signed' AND doc->'data'->>'reviewId' = $2`,
    [tenantId, reviewId],
  );
  const receipts = await db.admin.query(`SELECT 1 FROM arx.outbox_receipts WHERE tenant_id = $1 AND kind = $2`, [
    tenantId,
    REVIEW_OUTBOX_KIND,
  ]);
  return { rows: rows.rowCount ?? 0, events: events.rowCount ?? 0, receipts: receipts.rowCount ?? 0 };
}
const outboxItems = async () => (await call<{ items: OutboxItem[] }>('cache.outboxList', {})).items;

beforeAll(async () => {
  db = await migratedDatabase('offsign');
  dir = mkdtempSync(join(tmpdir(), 'arx-offline-sign-'));
  cards = await provisionTestCards(join(dir, 'cards'), { specs: [ADAMS] });
  await registerTestOperators(db.admin, cards, [db.tenants.a, db.tenants.b]);
  await seedTenant(db.admin, db.gatewayPool, db.tenants.a, EVENTS);
  await seedTenant(db.admin, db.gatewayPool, db.tenants.b, 40, 11);
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  writeFileSync(join(dir, 'recovery.pub.pem'), kp.publicKey.export({ type: 'spki', format: 'pem' }) as string);
  recoveryPem = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  relay = new Relay(inject('pg').port);
  await relay.open();
  const started = await startCardConsole(
    db,
    cards,
    'offsign',
    { ARX_DATA_DIR: join(dir, 'data'), ARX_CACHE_RECOVERY_KEY: join(dir, 'recovery.pub.pem') },
    relay.port,
  );
  ({ services, config } = started);
  // The second console below reaches the database directly, as the same operator's login role
  // (the credential the card unwraps at login, copied here as that console would hold it).
  const cp = services.controlPlane;
  const open = cp.openOperatorPool.bind(cp);
  cp.openOperatorPool = async (role, password) => {
    consoleUrl = `postgres://${role}:${password.toString('ascii')}@127.0.0.1:${inject('pg').port}/${db.name}`;
    return open(role, password);
  };
  await loginCard({ call }, ADAMS.label);
  await cacheUnlocked({ call });
}, 300_000);

afterAll(async () => {
  await services?.stop();
  await relay?.close();
  await db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

let delivered: { reviewId: string; itemId: string } | null = null;
let cacheCopy = '';

describe('signing a review offline (outbox kind review.signed)', () => {
  it('prepared online, signed with the card offline: queued; delivered once when the database is back, with its audit event', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.a,
      fromSeq: 0,
      toSeq: EVENTS - 1,
      reverifyJobId: null,
    });
    const reviewId = draft.statement.predicate.reviewId;
    await offline();
    await expect(
      call('review.prepare', { tenantId: db.tenants.a, fromSeq: 0, toSeq: 9, reverifyJobId: null }),
    ).rejects.toMatchObject({ code: 'DB_UNREACHABLE' });

    // The PIN is still asked for and checked by the card; the signing certificate is still validated (local trust store).
    await expect(call('review.sign', { draftId: draft.draftId, pin: '999999' })).rejects.toMatchObject({
      code: 'PIN_INCORRECT',
    });
    const signed = await call<Signed>('review.sign', { draftId: draft.draftId, pin: '123456' });
    expect(signed).toMatchObject({ id: reviewId, delivery: 'queued', verdict: 'intact' });
    expect(signed.outboxItemId).toMatch(/^[0-9a-f-]{36}$/);
    await expect(call('review.sign', { draftId: draft.draftId, pin: '123456' })).rejects.toMatchObject({
      code: 'REVIEW_DRAFT_UNKNOWN',
    });

    const items = await outboxItems();
    expect(items).toHaveLength(1);
    // The tenant comes from the signed statement (not from the summary's text).
    expect(items[0]).toMatchObject({
      id: signed.outboxItemId,
      kind: REVIEW_OUTBOX_KIND,
      state: 'pending',
      lastError: null,
      tenantId: db.tenants.a,
    });
    expect(items[0]!.summary).toContain(`seq 0–${EVENTS - 1} (intact)`);
    expect(await stored(db.tenants.a, reviewId)).toEqual({ rows: 0, events: 0, receipts: 0 });
    // Still offline, a delivery attempt is transient: the item stays pending.
    expect(await call('cache.outboxDeliver', {})).toEqual({ delivered: 0, rejected: 0, pending: 1 });

    // A copy of the cache as it is now (the item pending), for a second console below.
    await call('cache.lock', {});
    cacheCopy = join(dir, 'copy.db');
    copyFileSync(cacheFileOf(config, ADAMS_EDIPI), cacheCopy);
    await call('cache.unlock', {});

    await online();
    await call('cache.outboxDeliver', {}); // (the 3 s timer may have delivered it first)
    expect((await outboxItems()).map((i) => [i.id, i.state])).toEqual([[signed.outboxItemId, 'delivered']]);
    expect(await stored(db.tenants.a, reviewId)).toEqual({ rows: 1, events: 1, receipts: 1 });
    const ev = await db.admin.query<{ doc: { subject: string; data: unknown } }>(
      `SELECT doc FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.review.signed'`,
      [db.tenants.a],
    );
    expect(ev.rows[0]!.doc.data).toEqual({
      reviewId,
      fromSeq: 0,
      toSeq: EVENTS - 1,
      signer: ADAMS.person.edipi,
      verdict: 'intact',
    });
    expect(ev.rows[0]!.doc.subject).toBe(ADAMS.person.edipi);

    // Stored exactly as an online signature is: listed, and it verifies with its audit event.
    const list = await call<{ certificates: { id: string }[] }>('review.list', { tenantId: db.tenants.a });
    expect(list.certificates.map((c) => c.id)).toEqual([reviewId]);
    const v = await call<{ valid: boolean; checks: { id: string; status: string }[] }>('review.verify', {
      source: { kind: 'stored', tenantId: db.tenants.a, id: reviewId },
    });
    expect(v.valid).toBe(true);
    expect(v.checks.find((c) => c.id === 'audit-event')?.status).toBe('pass');

    // Delivering again writes nothing.
    expect(await call('cache.outboxDeliver', {})).toEqual({ delivered: 0, rejected: 0, pending: 0 });
    expect(await stored(db.tenants.a, reviewId)).toEqual({ rows: 1, events: 1, receipts: 1 });
    delivered = { reviewId, itemId: signed.outboxItemId! };
  });

  it('a second console delivering a copy of the same item writes nothing; the same review queued again is rejected REVIEW_ALREADY_STORED', async () => {
    expect(delivered).not.toBeNull();
    // The second console: its own connection, straight to the database.
    const pool = new pg.Pool({ connectionString: consoleUrl, max: 2 });
    const copy = new LocalCache({ file: cacheCopy, workstationId: workstationId(), limitBytes: 1 << 24 });
    expect(await copy.unlock(recoveryUnwrapper(Buffer.from(recoveryPem), null, 'recovery'), 'recovery key')).toBeNull();
    try {
      expect(copy.outbox().map((i) => [i.id, i.state])).toEqual([[delivered!.itemId, 'pending']]);
      const second = new Outbox(
        () => copy,
        () => pool,
        '/arx/console/second',
      );
      second.register(
        REVIEW_OUTBOX_KIND,
        reviewDelivery(() => pool),
        { tenantOf: queuedReviewTenant },
      );
      // The receipt says it was delivered before: marked delivered here, nothing written.
      expect(await second.flush(), JSON.stringify(copy.outbox().map((i) => i.lastError))).toEqual({
        delivered: 1,
        rejected: 0,
        pending: 0,
      });
      expect(await stored(db.tenants.a, delivered!.reviewId)).toEqual({ rows: 1, events: 1, receipts: 1 });

      // The same signed review as a new item (another idempotency key): refused by the control plane, kept with its code.
      const again = second.enqueue(REVIEW_OUTBOX_KIND, copy.outbox()[0]!.payload);
      expect(await second.flush()).toEqual({ delivered: 0, rejected: 1, pending: 0 });
      const item = copy.outbox().find((i) => i.id === again.id)!;
      expect(item.state).toBe('rejected');
      expect(item.lastError?.code).toBe('REVIEW_ALREADY_STORED');
      expect(await stored(db.tenants.a, delivered!.reviewId)).toEqual({ rows: 1, events: 1, receipts: 1 });

      // tenantId of items whose payload does not parse, or whose sealed cell does not open: null, no throw.
      const [first] = copy.outbox();
      expect(second.tenantOf(first!)).toBe(db.tenants.a);
      const bad = [
        { v: 1, envelope: 'not an envelope' },
        { v: 1, envelope: { payloadType: 'x', payload: '%%%', signatures: [] } },
        null,
        'text',
        { v: 2 },
      ];
      const badIds = bad.map((p) => second.enqueue(REVIEW_OUTBOX_KIND, p).id);
      for (const i of copy.outbox().filter((x) => badIds.includes(x.id))) expect(second.tenantOf(i)).toBeNull();
      copy.lock();
      const raw = new Database(cacheCopy);
      const cell = (
        raw.prepare('SELECT payload_cell FROM outbox WHERE id = ?').get(first!.id) as { payload_cell: Buffer }
      ).payload_cell;
      cell[cell.length - 1]! ^= 1;
      raw.prepare('UPDATE outbox SET payload_cell = ? WHERE id = ?').run(cell, first!.id);
      raw.close();
      expect(
        await copy.unlock(recoveryUnwrapper(Buffer.from(recoveryPem), null, 'recovery'), 'recovery key'),
      ).toBeNull();
      const damaged = copy.outbox().find((i) => i.id === first!.id)!;
      expect(damaged.unreadable).not.toBeNull();
      expect(second.tenantOf(damaged)).toBeNull();
    } finally {
      copy.lock();
      await pool.end();
    }
  });

  it('a queued review whose chain changed before delivery is rejected REVIEW_CHAIN_CHANGED and kept; nothing is written', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.b,
      fromSeq: 5,
      toSeq: 30,
      reverifyJobId: null,
    });
    await offline();
    const signed = await call<Signed>('review.sign', { draftId: draft.draftId, pin: '123456' });
    expect(signed.delivery).toBe('queued');
    // Meanwhile someone with the database owner's rights rewrites event 10 and re-forges the chain.
    await reforgeEvent(db.admin, db.tenants.b, 10, (doc) => JSON.stringify({ ...doc, subject: 'forged' }));
    await online();
    await call('cache.outboxDeliver', {});
    const item = (await outboxItems()).find((i) => i.id === signed.outboxItemId)!;
    expect(item.state).toBe('rejected');
    expect(item.lastError?.code).toBe('REVIEW_CHAIN_CHANGED');
    expect(item.tenantId).toBe(db.tenants.b);
    expect(await stored(db.tenants.b, signed.id)).toMatchObject({ rows: 0, events: 0 });
  });

  it('the write failing with a transient error while the console still says connected: queued, then delivered', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.a,
      fromSeq: 10,
      toSeq: 20,
      reverifyJobId: null,
    });
    await relay.close();
    // The database went away between the last health check and this signature: the state still says connected.
    (services.controlPlane as unknown as { set(s: object): void }).set({
      state: 'connected',
      mode: 'external',
      detail: 'stale',
    });
    const signed = await call<Signed>('review.sign', { draftId: draft.draftId, pin: '123456' });
    expect(signed.delivery).toBe('queued');
    await online();
    await call('cache.outboxDeliver', {});
    expect((await outboxItems()).find((i) => i.id === signed.outboxItemId)?.state).toBe('delivered');
    expect(await stored(db.tenants.a, signed.id)).toMatchObject({ rows: 1, events: 1 });
  });

  it('a draft survives a console restart (sealed in the cache): signed offline by the restarted console, delivered once', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.a,
      fromSeq: 20,
      toSeq: 40,
      reverifyJobId: null,
    });
    await services.stop();
    services = createConsoleServices(config);
    await services.start();
    await loginCard({ call }, ADAMS.label);
    await cacheUnlocked({ call });
    await offline();
    const signed = await call<Signed>('review.sign', { draftId: draft.draftId, pin: '123456' });
    expect(signed).toMatchObject({ id: draft.statement.predicate.reviewId, delivery: 'queued' });
    // Used: the sealed draft cannot be signed a second time.
    await expect(call('review.sign', { draftId: draft.draftId, pin: '123456' })).rejects.toMatchObject({
      code: 'REVIEW_DRAFT_UNKNOWN',
    });
    await online();
    await call('cache.outboxDeliver', {});
    expect((await outboxItems()).find((i) => i.id === signed.outboxItemId)?.state).toBe('delivered');
    expect(await stored(db.tenants.a, signed.id)).toMatchObject({ rows: 1, events: 1 });
  });

  it('online, a signature is stored at once (delivery stored)', async () => {
    const draft = await call<Draft>('review.prepare', {
      tenantId: db.tenants.a,
      fromSeq: 0,
      toSeq: 5,
      reverifyJobId: null,
    });
    const signed = await call<Signed>('review.sign', { draftId: draft.draftId, pin: '123456' });
    expect(signed).toMatchObject({ delivery: 'stored', outboxItemId: null });
    expect(await stored(db.tenants.a, signed.id)).toMatchObject({ rows: 1, events: 1 });
  });
});
