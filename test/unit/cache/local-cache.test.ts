import { mkdtempSync, readFileSync, rmSync, truncateSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataKey, nobleAead, nodeAead, open, seal } from '../../../electron/main/cache/envelope';
import { unwrapKey } from '../../../electron/main/cache/key-wrap';
import { LocalCache, LRU_RESOLUTION_MS } from '../../../electron/main/cache/local-cache';
import { asyncFailureCode, softwareKeys } from './support';

// Software keys stand in for the card here (same Unwrapper interface); the card itself is tested
// with SoftHSM2 in test/integration/cache/card-unlock.test.ts.
const keyPair = softwareKeys;
const code = asyncFailureCode;

let dir: string;
let file: string;
const WS = 'workstation-a';
const mk = (opts: Partial<{ workstationId: string; limitBytes: number }> = {}) =>
  new LocalCache({ file, workstationId: opts.workstationId ?? WS, limitBytes: opts.limitBytes ?? 1 << 30 });

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-unit-'));
  file = join(dir, 'cache.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('envelope', () => {
  it('node:crypto and @noble/ciphers interoperate (same AES-256-GCM)', () => {
    const k = DataKey.random(1);
    const loc = { table: 't', row: 'r', column: 'c' };
    const a = seal(k, loc, Buffer.from('hello'), nodeAead);
    expect(open(() => k, loc, a, nobleAead).toString()).toBe('hello');
    const b = seal(k, loc, Buffer.from('world'), nobleAead);
    expect(open(() => k, loc, b, nodeAead).toString()).toBe('world');
  });

  it('uses a fresh nonce for every seal of the same value', () => {
    const k = DataKey.random(1);
    const loc = { table: 't', row: 'r', column: 'c' };
    const nonces = new Set(
      Array.from({ length: 200 }, () => seal(k, loc, Buffer.from('same')).subarray(21, 33).toString('hex')),
    );
    expect(nonces.size).toBe(200);
  });

  it('wipe() zero-fills the data key and its subkeys', () => {
    const k = DataKey.random(1);
    k.wipe();
    for (const b of [k.bytes(), k.enc, k.index, k.location]) expect(b.every((x) => x === 0)).toBe(true);
  });
});

describe('local cache', () => {
  it('the database file holds none of the plaintext of events, drafts, certificates or outbox items', async () => {
    const { recipient, unwrapper } = keyPair('ec');
    const c = mk();
    c.create([recipient], 'test');
    const eventId = '7f3c9a10-5b2e-4e61-9d0b-secretevent01';
    c.put(
      'event-page',
      'alpha-command/0-99',
      { events: [{ id: eventId, type: 'com.arx.request.received', data: { prompt: 'TOPSECRETPROMPTTEXT' } }] },
      { refetchable: true },
    );
    c.put(
      'policy-draft',
      'draft-policy-42',
      { text: 'permit(principal == User::"CLASSIFIEDDRAFTWORD", action, resource);' },
      { refetchable: false },
    );
    c.put('certificate', 'cert-sha-1234', { subject: 'CN=ADAMS.ALICE.ANN.1000000001' }, { refetchable: true });
    c.enqueue('review.signed', { reviewId: 'review-UNIQUEOUTBOXID', verdict: 'intact' }, 'review UNIQUESUMMARYLINE');
    const needles = [
      eventId,
      'TOPSECRETPROMPTTEXT',
      'CLASSIFIEDDRAFTWORD',
      'ADAMS.ALICE',
      '1000000001',
      'alpha-command',
      'draft-policy-42',
      'cert-sha-1234',
      'UNIQUEOUTBOXID',
      'UNIQUESUMMARYLINE',
    ];
    const scan = () => {
      const bytes = Buffer.concat([file, `${file}-wal`].filter(existsSync).map((f) => readFileSync(f)));
      expect(bytes.length).toBeGreaterThan(4096);
      for (const n of needles) {
        expect(bytes.includes(Buffer.from(n, 'utf8')), n).toBe(false);
        expect(bytes.includes(Buffer.from(n, 'utf16le')), n).toBe(false);
      }
    };
    scan(); // while open (WAL not checkpointed)
    c.lock();
    scan(); // after close (WAL folded into the file)
    await c.unlock(unwrapper, 'test');
    expect(c.get<{ events: { id: string }[] }>('event-page', 'alpha-command/0-99')!.events[0]!.id).toBe(eventId);
    c.lock();
  });

  it('a cell moved to another row or column, flipped by one bit, or truncated fails with its own code', async () => {
    const { recipient, unwrapper } = keyPair('ec');
    const c = mk();
    c.create([recipient], 'test');
    c.put('event-page', 'a', { v: 'A' }, { refetchable: true });
    c.put('event-page', 'b', { v: 'B' }, { refetchable: true });
    c.lock();
    const raw = new Database(file);
    const rows = raw.prepare('SELECT id, key_cell, value_cell FROM records ORDER BY rowid').all() as {
      id: string;
      key_cell: Buffer;
      value_cell: Buffer;
    }[];
    const reopen = async () => {
      c.lock();
      await c.unlock(unwrapper, 'test');
    };
    // another row
    raw.prepare('UPDATE records SET value_cell = ? WHERE id = ?').run(rows[0]!.value_cell, rows[1]!.id);
    await reopen();
    expect(await code(() => c.get('event-page', 'b'))).toBe('CACHE_VALUE_MISPLACED');
    expect(c.get('event-page', 'a')).toEqual({ v: 'A' }); // untouched row still opens
    // another column of the same row
    raw.prepare('UPDATE records SET value_cell = ? WHERE id = ?').run(rows[1]!.key_cell, rows[1]!.id);
    await reopen();
    expect(await code(() => c.get('event-page', 'b'))).toBe('CACHE_VALUE_MISPLACED');
    // one bit flipped: in the ciphertext, in the nonce, in the header
    for (const at of [rows[1]!.value_cell.length - 20, 25, 3]) {
      const flipped = Buffer.from(rows[1]!.value_cell);
      flipped[at]! ^= 0x01;
      raw.prepare('UPDATE records SET value_cell = ? WHERE id = ?').run(flipped, rows[1]!.id);
      await reopen();
      expect(await code(() => c.get('event-page', 'b')), `bit at ${at}`).toBe('CACHE_VALUE_TAMPERED');
    }
    // truncated
    raw.prepare('UPDATE records SET value_cell = ? WHERE id = ?').run(rows[1]!.value_cell.subarray(0, 30), rows[1]!.id);
    await reopen();
    expect(await code(() => c.get('event-page', 'b'))).toBe('CACHE_VALUE_TRUNCATED');
    // and the cache now reports itself damaged
    expect(c.problem?.code).toBe('CACHE_VALUE_TRUNCATED');
    raw.close();
    c.lock();
  });

  it('opens with the recovery key (EC and RSA), not with another key; a forged wrap does not open', async () => {
    for (const kind of ['ec', 'rsa'] as const) {
      rmSync(file, { force: true });
      const card = keyPair(kind);
      const recovery = keyPair(kind);
      const other = keyPair(kind);
      const c = mk();
      c.create([card.recipient, recovery.recipient], 'test');
      c.put('bundle', 'b1', { sha: 'x' }, { refetchable: true });
      c.lock();
      await c.unlock(recovery.unwrapper, 'recovery');
      expect(c.get('bundle', 'b1')).toEqual({ sha: 'x' });
      c.lock();
      expect(await code(c.unlock(other.unwrapper, 'other'))).toBe('CACHE_WRONG_CARD');
      expect(c.isUnlocked).toBe(false);
      // The other key pretends to be the card: the wrap is the card's, the ECDH/OAEP result is not.
      expect(await code(c.unlock({ ...other.unwrapper, id: card.recipient.id }, 'impostor'))).toBe(
        'CACHE_KEY_UNWRAP_FAILED',
      );
      expect(c.isUnlocked).toBe(false);
      // A wrap copied into another generation slot does not open either (the generation is bound).
      const raw = new Database(file);
      const w = raw.prepare('SELECT * FROM key_wraps WHERE recipient = ?').get(card.recipient.id) as {
        exchange: Buffer;
        salt: Buffer;
        wrapped: Buffer;
      };
      expect(
        await code(
          unwrapKey(
            'another-cache',
            { generation: 1, recipient: card.recipient.id, role: 'card', kind, ...w },
            card.unwrapper,
          ),
        ),
      ).toBe('CACHE_KEY_UNWRAP_FAILED');
      raw.close();
    }
  });

  it('detects a file copied from another workstation, deleted rows, and a truncated file; rebuild keeps the outbox', async () => {
    const { recipient, unwrapper } = keyPair('ec');
    const c = mk();
    c.create([recipient], 'test');
    c.put('event-page', 'p1', { n: 1 }, { refetchable: true });
    c.enqueue('review.signed', { n: 1 }, 'first');
    c.enqueue('review.signed', { n: 2 }, 'second');
    c.lock();

    const elsewhere = mk({ workstationId: 'workstation-b' });
    expect((await elsewhere.unlock(unwrapper, 'test'))?.code).toBe('CACHE_FOREIGN_WORKSTATION');
    expect(await code(() => elsewhere.get('event-page', 'p1'))).toBe('CACHE_DAMAGED');
    expect(elsewhere.outbox().map((i) => i.payload)).toEqual([{ n: 1 }, { n: 2 }]); // still readable
    const rebuilt = elsewhere.rebuild([recipient]);
    expect(rebuilt).toMatchObject({ kept: 2, unreadable: 0 });
    expect(existsSync(rebuilt.quarantinedFile)).toBe(true);
    expect(elsewhere.problem).toBeNull();
    expect(elsewhere.outbox().map((i) => [i.payload, i.state])).toEqual([
      [{ n: 1 }, 'pending'],
      [{ n: 2 }, 'pending'],
    ]);
    elsewhere.lock();

    // deleted row → truncated
    const c2 = mk({ workstationId: 'workstation-b' });
    await c2.unlock(unwrapper, 'test');
    c2.put('event-page', 'p2', { n: 2 }, { refetchable: true });
    c2.lock();
    const raw = new Database(file);
    raw.prepare('DELETE FROM records').run();
    raw.close();
    expect((await c2.unlock(unwrapper, 'test'))?.code).toBe('CACHE_FILE_TRUNCATED');
    c2.lock();

    // a truncated file
    new Database(file).pragma('wal_checkpoint(TRUNCATE)');
    truncateSync(file, Math.floor(statSync(file).size / 2));
    expect(await code(c2.unlock(unwrapper, 'test'))).toBe('CACHE_FILE_CORRUPT');
  });

  it('rotates the data key in batches, resumably, and drops the old key', async () => {
    const { recipient, unwrapper } = keyPair('rsa');
    const c = mk();
    c.create([recipient], 'test');
    for (let i = 0; i < 25; i++) c.put('event-page', `p${i}`, { i }, { refetchable: true });
    c.enqueue('review.signed', { n: 1 }, null);
    const left = c.rotate(5, 2); // two batches, then "killed"
    expect(left).toBe(16);
    c.lock();
    await c.unlock(unwrapper, 'test'); // both generations unwrapped
    expect(c.rotation()).toEqual({ to: 2, remaining: 16 });
    expect(c.get('event-page', 'p24')).toEqual({ i: 24 }); // old generation still reads
    c.put('event-page', 'p3', { i: 'new' }, { refetchable: true }); // written under the new one
    expect(c.rotate(5)).toBe(0);
    expect(c.rotation()).toBeNull();
    for (let i = 0; i < 25; i++) expect(c.get('event-page', `p${i}`)).toEqual({ i: i === 3 ? 'new' : i });
    expect(c.outbox()[0]!.payload).toEqual({ n: 1 });
    const raw = new Database(file, { readonly: true });
    expect(raw.prepare('SELECT DISTINCT generation FROM key_wraps').all()).toEqual([{ generation: 2 }]);
    expect(raw.prepare('SELECT DISTINCT generation FROM records').all()).toEqual([{ generation: 2 }]);
    raw.close();
    c.lock();
    expect(await c.unlock(unwrapper, 'test')).toBeNull();
  });

  it('evicts least-recently-used re-fetchable records at the size limit, never drafts or the outbox', async () => {
    const { recipient } = keyPair('ec');
    let t = 1_000_000;
    // every call of the clock is a minute later (the LRU clock's resolution is LRU_RESOLUTION_MS)
    const c = new LocalCache({ file, workstationId: WS, limitBytes: 6000, now: () => (t += LRU_RESOLUTION_MS) });
    c.create([recipient], 'test');
    c.put('policy-draft', 'draft', { text: 'x'.repeat(3000) }, { refetchable: true });
    c.enqueue('review.signed', { big: 'y'.repeat(3000) }, null);
    for (let i = 0; i < 5; i++) c.put('event-page', `p${i}`, { pad: 'z'.repeat(1000) }, { refetchable: true });
    c.get('event-page', 'p0'); // p0 is now recent
    c.put('event-page', 'p5', { pad: 'z'.repeat(1000) }, { refetchable: true });
    c.put('event-page', 'p6', { pad: 'z'.repeat(1000) }, { refetchable: true });
    expect(c.stats().refetchableBytes).toBeLessThanOrEqual(6000);
    expect(c.get('event-page', 'p0')).not.toBeNull();
    expect(c.get('event-page', 'p1')).toBeNull();
    expect(c.get('event-page', 'p6')).not.toBeNull();
    expect(c.get('policy-draft', 'draft')).not.toBeNull();
    expect(c.outbox()).toHaveLength(1);
    c.lock();
  });

  it('lock wipes the key: nothing reads afterwards', async () => {
    const { recipient } = keyPair('ec');
    const c = mk();
    c.create([recipient], 'test');
    c.put('crl', 'c', { v: 1 }, { refetchable: true });
    c.lock();
    expect(await code(() => c.get('crl', 'c'))).toBe('CACHE_LOCKED');
    expect(await code(() => c.enqueue('review.signed', {}, null))).toBe('CACHE_LOCKED');
  });
});
