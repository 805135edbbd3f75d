import { spawn } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  recipientFromRecoveryFile,
  recoveryUnwrapper,
  type Recipient,
  type Unwrapper,
} from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { Outbox } from '../../../electron/main/cache/outbox';
import { operatorWithLogin } from '../../support/operator-pools';
import { migratedDatabase } from '../../support/pg';
import { testReviewDelivery } from './support/test-kind';

// The outbox against the real control plane (embedded PostgreSQL, migration 0007), and a child
// process SIGKILLed in the middle of writing the cache and of delivering the outbox.

const here = dirname(fileURLToPath(import.meta.url));
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let dir: string;
let pem: string;
let recipient: Recipient;
let unwrapper: Unwrapper;
let operatorPool: pg.Pool;
let signerEdipi: string;

beforeAll(async () => {
  db = await migratedDatabase('outbox');
  // Deliveries run as an operator's own login, as in the console: the receipts name that operator.
  const isso = await operatorWithLogin(db, [db.tenants.a, db.tenants.b], 'isso');
  operatorPool = isso.pool;
  signerEdipi = isso.edipi;
  dir = mkdtempSync(join(tmpdir(), 'arx-outbox-'));
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  pem = join(dir, 'recovery.pem');
  writeFileSync(pem, kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
  recipient = recipientFromRecoveryFile(
    Buffer.from(kp.publicKey.export({ type: 'spki', format: 'pem' }) as string),
    'mem',
  );
  unwrapper = recoveryUnwrapper(
    Buffer.from(kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string),
    null,
    'mem',
  );
}, 60_000);

afterAll(async () => {
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

/** marker → number of audit events, and the markers in chain order (each review certificate carries its item's marker). */
async function arrived(
  tenant: string,
  prefix: string,
): Promise<{ counts: Map<string, number>; order: string[]; receipts: number }> {
  const r = await db.admin.query<{ rid: string }>(
    `SELECT r.envelope->>'marker' AS rid FROM arx.audit_events e
       JOIN arx.review_certificates r ON r.tenant_id = e.tenant_id AND r.id::text = e.doc->'data'->>'reviewId'
      WHERE e.tenant_id = $1 AND e.type = 'com.arx.review.signed' AND r.envelope->>'marker' LIKE $2 ORDER BY e.seq`,
    [tenant, `${prefix}%`],
  );
  const counts = new Map<string, number>();
  for (const row of r.rows) counts.set(row.rid, (counts.get(row.rid) ?? 0) + 1);
  const receipts = await db.admin.query<{ n: string }>(
    'SELECT count(*) AS n FROM arx.outbox_receipts WHERE tenant_id = $1',
    [tenant],
  );
  return { counts, order: r.rows.map((x) => x.rid), receipts: Number(receipts.rows[0]!.n) };
}

function child(mode: 'write' | 'deliver', file: string, env: Record<string, string> = {}) {
  const p = spawn(process.execPath, ['--import', 'tsx', join(here, 'support', 'cache-child.ts'), mode], {
    env: { ...process.env, CACHE_FILE: file, RECOVERY_PEM: pem, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((res) => p.on('exit', (code) => res(code)));
  const lines = () => out.split('\n').filter(Boolean);
  const waitFor = async (pred: (ls: string[]) => boolean, ms = 60_000) => {
    const t0 = Date.now();
    while (!pred(lines())) {
      if (p.exitCode !== null) throw new Error(`child exited ${p.exitCode}: ${err.slice(-500)} ${out.slice(-300)}`);
      if (Date.now() - t0 > ms) throw new Error(`child timed out: ${err.slice(-500)}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { p, lines, waitFor, exited, stderr: () => err };
}

const pgEnv = (pool: pg.Pool) => {
  const o = pool.options;
  return JSON.stringify({
    host: o.host,
    port: o.port,
    user: o.user,
    password: o.password,
    database: o.database,
    max: 2,
  });
};

describe('outbox delivery (real PostgreSQL)', () => {
  it('delivers in order, exactly once, with the audit events; a refused item is rejected with its code and the rest go on', async () => {
    const file = join(dir, 'order.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    const outbox = new Outbox(
      () => cache,
      () => operatorPool,
      '/arx/console/test',
    );
    outbox.register('test.review', testReviewDelivery(db.tenants.a, signerEdipi));
    for (let i = 0; i < 5; i++)
      outbox.enqueue('test.review', { reviewId: `order-${i}`, reject: i === 2 }, { summary: `review ${i}` });
    const flushed = await outbox.flush();
    expect(flushed, JSON.stringify(cache.outbox().map((i) => i.lastError))).toEqual({
      delivered: 4,
      rejected: 1,
      pending: 0,
    });
    const got = await arrived(db.tenants.a, 'order-');
    expect(got.order).toEqual(['order-0', 'order-1', 'order-3', 'order-4']);
    const items = cache.outbox();
    expect(items.map((i) => i.state)).toEqual(['delivered', 'delivered', 'rejected', 'delivered', 'delivered']);
    expect(items[2]!.lastError?.code).toBe('EVENT_INVALID');
    expect(items[0]!.deliveredAt).toMatch(/^\d{4}-/);

    // A copy of the cache (same idempotency keys) delivering again writes nothing: the receipts say so.
    const copyFile = join(dir, 'order-copy.db');
    cache.lock();
    copyFileSync(file, copyFile);
    const copy = new LocalCache({ file: copyFile, workstationId: 'ws', limitBytes: 1 << 20 });
    await copy.unlock(unwrapper, 'test');
    const raw = copy['db']!; // reset the local marks, as if the delivered marks had been lost
    raw.prepare("UPDATE outbox SET state = 'pending'").run();
    const before = await arrived(db.tenants.a, 'order-');
    // The state column is sealed too: the forged "pending" is detected at the next unlock.
    copy.lock();
    expect((await copy.unlock(unwrapper, 'test'))?.code).toBe('CACHE_VALUE_MISPLACED');
    copy.lock();
    // Direct redelivery with the same keys (what a lost "delivered" mark amounts to):
    const { deliverOnce } = await import('../../../electron/main/cache/outbox');
    for (const i of items.filter((x) => x.state === 'delivered')) {
      expect(
        await deliverOnce(
          operatorPool,
          '/arx/console/test',
          i.kind,
          i.idempotencyKey,
          await testReviewDelivery(db.tenants.a, signerEdipi)(i.payload, i),
        ),
      ).toBe('duplicate');
    }
    const after = await arrived(db.tenants.a, 'order-');
    expect(after.order).toEqual(before.order);
    expect(after.receipts).toBe(before.receipts);
  });

  it('a transient failure (database unreachable) stops the run and keeps the order for the next one', async () => {
    const file = join(dir, 'transient.db');
    const cache = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 20 });
    cache.create([recipient], 'test');
    let up = false;
    const outbox = new Outbox(
      () => cache,
      () => {
        if (!up) throw Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' });
        return operatorPool;
      },
      '/arx/console/test',
    );
    outbox.register('test.review', testReviewDelivery(db.tenants.b, signerEdipi));
    for (let i = 0; i < 3; i++) outbox.enqueue('test.review', { reviewId: `transient-${i}` });
    expect(await outbox.flush()).toEqual({ delivered: 0, rejected: 0, pending: 3 });
    up = true;
    expect(await outbox.flush()).toEqual({ delivered: 3, rejected: 0, pending: 0 });
    expect((await arrived(db.tenants.b, 'transient-')).order).toEqual(['transient-0', 'transient-1', 'transient-2']);
    cache.lock();
  });
});

describe('crash consistency (SIGKILL)', () => {
  it('killed mid-write: after restart the file checks clean and every committed record reads', async () => {
    const file = join(dir, 'crash-write.db');
    const cache = new LocalCache({ file, workstationId: 'crash-ws', limitBytes: 1 << 30 });
    cache.create([recipient], 'test');
    cache.lock();
    let committed = -1;
    for (let round = 0; round < 4; round++) {
      const c = child('write', file);
      await c.waitFor((ls) => ls.filter((l) => l.startsWith('wrote')).length >= 20 + round * 7);
      c.p.kill('SIGKILL');
      await c.exited;
      const wrote = c.lines().filter((l) => l.startsWith('wrote'));
      committed = Number(wrote[wrote.length - 1]!.split(' ')[1]);
      expect(await cache.unlock(unwrapper, 'test')).toBeNull(); // manifest, workstation, state cells: consistent
      const raw = new Database(file, { readonly: true });
      expect(raw.pragma('integrity_check', { simple: true })).toBe('ok');
      raw.close();
      for (let i = 0; i <= committed; i++)
        expect(cache.get<{ i: number }>('event-page', `page-${i}`)?.i, `page-${i}`).toBe(i);
      // at most the one in flight beyond what was printed
      expect(cache.stats().records).toBeLessThanOrEqual(committed + 2);
      cache.lock();
    }
  }, 180_000);

  it('killed mid-delivery again and again: every outbox item arrives exactly once, in order', async () => {
    const file = join(dir, 'crash-deliver.db');
    const cache = new LocalCache({ file, workstationId: 'crash-ws', limitBytes: 1 << 30 });
    cache.create([recipient], 'test');
    const N = 40;
    const outbox = new Outbox(
      () => cache,
      () => operatorPool,
      '/arx/console/test',
    );
    outbox.register('test.review', testReviewDelivery(db.tenants.a, signerEdipi));
    for (let i = 0; i < N; i++) outbox.enqueue('test.review', { reviewId: `crash-${String(i).padStart(3, '0')}` });
    cache.lock();
    const env = { PG: pgEnv(operatorPool), TENANT: db.tenants.a, SIGNER_EDIPI: signerEdipi };
    let kills = 0;
    for (let round = 0; round < 8; round++) {
      const c = child('deliver', file, env);
      await c.waitFor((ls) => ls.includes('ready'));
      await new Promise((r) => setTimeout(r, 60 + Math.floor(Math.random() * 200)));
      if (c.p.exitCode === null) {
        c.p.kill('SIGKILL');
        kills++;
      }
      await c.exited;
    }
    expect(kills).toBeGreaterThan(0);
    const last = child('deliver', file, env);
    await last.waitFor((ls) => ls.some((l) => l.startsWith('done')), 120_000);
    await last.exited;
    const got = await arrived(db.tenants.a, 'crash-');
    expect(got.order).toEqual(Array.from({ length: N }, (_, i) => `crash-${String(i).padStart(3, '0')}`));
    expect([...got.counts.values()].every((n) => n === 1)).toBe(true);
    expect(await cache.unlock(unwrapper, 'test')).toBeNull();
    expect(cache.outbox().every((i) => i.state === 'delivered')).toBe(true);
    cache.lock();
  }, 240_000);
});
