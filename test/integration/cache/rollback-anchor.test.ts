import { generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkAndAnchor } from '../../../electron/main/cache/anchor';
import { CacheService, cacheFileOf } from '../../../electron/main/cache/cache-service';
import {
  recipientFromRecoveryFile,
  recoveryUnwrapper,
  type Recipient,
  type Unwrapper,
} from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import type { OperatorAuth } from '../../../electron/main/card/operator-auth';
import type { ArxConfig } from '../../../electron/main/config/config';
import type { ControlPlane } from '../../../electron/main/controlplane/control-plane';
import { operatorWithLogin } from '../../support/operator-pools';
import { migratedDatabase } from '../../support/pg';

// Whole-file rollback (docs/cache.md "Rollback"): the cache's change counter is anchored in the
// control plane (migration 0008, embedded PostgreSQL); a copy of the file put back after later
// changes were anchored is CACHE_ROLLED_BACK, its outbox still readable, and rebuilt.

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let dir: string;
let pemFile: string;
let recipient: Recipient;
let unwrapper: Unwrapper;
let operatorId: string;
let operatorPool: pg.Pool;

beforeAll(async () => {
  db = await migratedDatabase('anchor');
  dir = mkdtempSync(join(tmpdir(), 'arx-anchor-'));
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pem = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  pemFile = join(dir, 'recovery.pem');
  writeFileSync(pemFile, pem);
  recipient = recipientFromRecoveryFile(
    Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    'mem',
  );
  unwrapper = recoveryUnwrapper(Buffer.from(pem), null, 'mem');
  // Anchors are recorded as an operator's own login, as in the console.
  const op = await operatorWithLogin(db, [db.tenants.a, db.tenants.b]);
  operatorId = op.id;
  operatorPool = op.pool;
}, 60_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

function restore(from: string, to: string) {
  for (const f of [`${to}-wal`, `${to}-shm`]) rmSync(f, { force: true });
  copyFileSync(from, to);
}

describe('cache rollback anchor (real PostgreSQL)', () => {
  it('a copy put back after anchored changes is CACHE_ROLLED_BACK; the outbox still reads; the current file and a rebuilt one pass', async () => {
    const file = join(dir, 'core.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    cache.put('event-page', 'p0', { v: 0 }, { refetchable: true });
    cache.enqueue('review.signed', { reviewId: 'kept-in-old-copy' }, 'old item');
    const tenants = [db.tenants.a];
    const first = await checkAndAnchor(cache, operatorPool, tenants);
    expect(first).toMatchObject({ anchored: null, rolledBack: false, appended: true, forged: 0 });

    // the old copy (file folded: lock closes and checkpoints the WAL)
    cache.lock();
    const old = join(dir, 'core-old.db');
    copyFileSync(file, old);

    // later changes, anchored
    await cache.unlock(unwrapper, 'test');
    cache.put('event-page', 'p1', { v: 1 }, { refetchable: true });
    cache.put('event-page', 'p2', { v: 2 }, { refetchable: true });
    const second = await checkAndAnchor(cache, operatorPool, tenants);
    expect(second.rolledBack).toBe(false);
    expect(second.appended).toBe(true);
    expect(second.counter).toBeGreaterThan(first.counter);
    // the same file again: nothing new to anchor, not rolled back
    expect(await checkAndAnchor(cache, operatorPool, tenants)).toMatchObject({
      anchored: second.counter,
      rolledBack: false,
      appended: false,
    });
    cache.lock();

    // put the old copy back: it unlocks cleanly (a consistent older cache) …
    restore(old, file);
    expect(await cache.unlock(unwrapper, 'test')).toBeNull();
    expect(cache.get('event-page', 'p1')).toBeNull();
    // … and the anchor tells
    const back = await checkAndAnchor(cache, operatorPool, tenants);
    expect(back).toMatchObject({ counter: first.counter, anchored: second.counter, rolledBack: true, appended: false });
    expect(cache.problem?.code).toBe('CACHE_ROLLED_BACK');
    expect(() => cache.get('event-page', 'p0')).toThrow(expect.objectContaining({ code: 'CACHE_DAMAGED' }));
    expect(cache.outbox().map((i) => i.payload)).toEqual([{ reviewId: 'kept-in-old-copy' }]);
    // and nothing lower was anchored by the check
    const rows = await db.admin.query<{ counter: string }>(
      'SELECT counter FROM arx.cache_anchors WHERE cache_id = $1 ORDER BY counter',
      [await idOf(file)],
    );
    expect(rows.rows.map((r) => Number(r.counter))).toEqual([first.counter, second.counter]);

    // rebuild: a new cache (new id) with the readable outbox, which passes
    const rebuilt = cache.rebuild([recipient]);
    expect(rebuilt.kept).toBe(1);
    expect(await checkAndAnchor(cache, operatorPool, tenants)).toMatchObject({
      anchored: null,
      rolledBack: false,
      appended: true,
    });
    cache.lock();
  });

  it('anchor rows without the cache key are ignored: they neither condemn the current file nor hide a rollback', async () => {
    const file = join(dir, 'forged.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    const tenants = [db.tenants.a];
    const a = await checkAndAnchor(cache, operatorPool, tenants);
    const { cacheId } = cache.anchorState();
    // another console of the tenant appends 70 rows (more than a page) with high counters and made-up MACs
    await db.admin.query(
      `INSERT INTO arx.cache_anchors (tenant_id, cache_id, counter, mac) SELECT $1, $2, 1000 + g, repeat(to_hex(g % 16), 64) FROM generate_series(1, 70) g`,
      [db.tenants.a, cacheId],
    );
    const checked = await checkAndAnchor(cache, operatorPool, tenants);
    expect(checked).toMatchObject({ anchored: a.counter, rolledBack: false, forged: 70 });
    expect(cache.problem).toBeNull();
    // a real rollback underneath the forged rows is still found
    cache.lock();
    const old = join(dir, 'forged-old.db');
    copyFileSync(file, old);
    await cache.unlock(unwrapper, 'test');
    cache.put('crl', 'c', { v: 1 }, { refetchable: true });
    const later = await checkAndAnchor(cache, operatorPool, tenants);
    cache.lock();
    restore(old, file);
    await cache.unlock(unwrapper, 'test');
    expect(await checkAndAnchor(cache, operatorPool, tenants)).toMatchObject({
      anchored: later.counter,
      rolledBack: true,
    });
    cache.lock();
  });

  it('a copy put back and then changed past the anchored counter (offline) is still CACHE_ROLLED_BACK', async () => {
    const file = join(dir, 'grown.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    const tenants = [db.tenants.a];
    await checkAndAnchor(cache, operatorPool, tenants);
    cache.lock();
    const old = join(dir, 'grown-old.db');
    copyFileSync(file, old);
    await cache.unlock(unwrapper, 'test');
    for (let i = 0; i < 3; i++) cache.put('crl', `c${i}`, { i }, { refetchable: true });
    const later = await checkAndAnchor(cache, operatorPool, tenants);
    expect(later.appended).toBe(true);
    cache.lock();
    restore(old, file);
    await cache.unlock(unwrapper, 'test');
    // offline work on the restored copy: its counter passes the anchored one
    for (let i = 0; i < 10; i++) cache.put('crl', `d${i}`, { i }, { refetchable: true });
    expect(cache.anchorState().counter).toBeGreaterThan(later.counter);
    const back = await checkAndAnchor(cache, operatorPool, tenants);
    expect(back).toMatchObject({ anchored: later.counter, rolledBack: true, appended: false });
    expect(cache.problem?.code).toBe('CACHE_ROLLED_BACK');
    cache.lock();
  });

  it('the anchor table is append-only and private to its tenant', async () => {
    const file = join(dir, 'rls.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    await checkAndAnchor(cache, operatorPool, [db.tenants.a]);
    const { cacheId } = cache.anchorState();
    cache.lock();
    const client = await operatorPool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      await expect(
        client.query('UPDATE arx.cache_anchors SET counter = 0 WHERE cache_id = $1', [cacheId]),
      ).rejects.toThrow();
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      await expect(client.query('DELETE FROM arx.cache_anchors WHERE cache_id = $1', [cacheId])).rejects.toThrow();
      await client.query('ROLLBACK');
      await client.query('BEGIN');
      await client.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.b]);
      expect((await client.query('SELECT * FROM arx.cache_anchors WHERE cache_id = $1', [cacheId])).rowCount).toBe(0);
      await expect(
        client.query(
          `INSERT INTO arx.cache_anchors (tenant_id, cache_id, counter, mac) VALUES ($1, $2, 5, repeat('a', 64))`,
          [db.tenants.a, cacheId],
        ),
      ).rejects.toThrow();
      await client.query('ROLLBACK');
    } finally {
      client.release();
    }
  });

  it('the cache service checks on open while connected and reports the rolled-back cache as damaged', async () => {
    const dataDir = join(dir, 'svc');
    const config = { dataDir, cache: { recoveryPublicKey: null, limitBytes: 1 << 20 } } as unknown as ArxConfig;
    const file = cacheFileOf(config, '1', 'ws'); // the session's operator (EDIPI 1) on workstation 'ws'
    const session = {
      operatorId,
      edipi: '1',
      displayName: 'A',
      tokenLabel: 't',
      certificateSha256: 'x',
      roles: [
        { tenantId: db.tenants.a, tenant: 'alpha', role: 'auditor' },
        { tenantId: db.tenants.b, tenant: 'bravo', role: 'auditor' },
      ],
      startedAt: '',
      locked: false,
      lockReason: null,
    };
    const auth = Object.assign(new EventEmitter(), { activeCard: () => null, session: () => session });
    const controlPlane = {
      status: () => ({ state: 'connected', mode: 'embedded', detail: '' }),
      requirePool: () => operatorPool,
    } as unknown as ControlPlane;
    const logs: string[] = [];
    const svc = new CacheService({
      config,
      operatorAuth: auth as unknown as OperatorAuth,
      controlPlane,
      log: (l) => logs.push(l),
      workstationId: 'ws',
      deliveryIntervalMs: 0,
      anchorIntervalMs: 0,
    });
    // made elsewhere with the recovery key (no card here), opened by the service with it
    mkdirSync(join(dataDir, 'cache'), { recursive: true });
    const made = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    made.create([recipient], 'test');
    made.lock();
    expect((await svc.recover(pemFile, null)).state).toBe('unlocked');
    const old = `${file}.copy`;
    svc.lock();
    copyFileSync(file, old);
    await svc.recover(pemFile, null);
    svc.put('event-page', 'later', { v: 1 });
    expect((await svc.anchorIfOnline())?.appended).toBe(true);
    // anchored in both tenants of the session
    const n = await db.admin.query<{ tenant_id: string }>(
      'SELECT DISTINCT tenant_id FROM arx.cache_anchors WHERE cache_id = $1',
      [svc.cache.anchorState().cacheId],
    );
    expect(n.rows.map((r) => r.tenant_id).sort()).toEqual([db.tenants.a, db.tenants.b].sort());
    svc.lock();
    restore(old, file);
    const status = await svc.recover(pemFile, null);
    expect(status.state).toBe('damaged');
    expect(status.problem?.code).toBe('CACHE_ROLLED_BACK');
    expect(logs.some((l) => l.includes('CACHE_ROLLED_BACK'))).toBe(true);
    expect(existsSync(file)).toBe(true);
    svc.close();
  });
});

async function idOf(file: string): Promise<string> {
  const Database = (await import('better-sqlite3')).default;
  const raw = new Database(file, { readonly: true });
  try {
    return String((raw.prepare("SELECT value FROM meta WHERE name = 'cache_id'").get() as { value: Buffer }).value);
  } finally {
    raw.close();
  }
}
