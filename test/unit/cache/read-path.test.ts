import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DataKey, DIGEST_MEMO_LIMIT, nobleAead, open, seal } from '../../../electron/main/cache/envelope';
import { LocalCache, LRU_RESOLUTION_MS } from '../../../electron/main/cache/local-cache';
import { failureCode, softwareKeys } from './support';

// The read path's shortcuts (docs/cache.md "Performance") must not weaken what
// the cells guarantee: remembered digests and tags are exactly the HMACs, are forgotten at lock, and
// a cell moved or changed under a cache that has already read it (warm memory) still fails.

const keys = () => softwareKeys('ec');
const code = failureCode;

const hmac = (key: Buffer, m: string) => createHmac('sha256', key).update(m).digest();

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-read-'));
  file = join(dir, 'cache.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('remembered digests and location tags', () => {
  it('are the HMACs, also past the memory limit and when asked again', () => {
    const k = DataKey.random(1);
    const n = DIGEST_MEMO_LIMIT + 500;
    for (let round = 0; round < 2; round++) {
      for (let i = 0; i < n; i += 97) {
        expect(k.indexDigest('record:event-page', `key-${i}`)).toBe(
          hmac(k.index, `record:event-page\0key-${i}`).toString('hex'),
        );
        expect(
          k
            .locationTag('records', `row-${i}`, 'value')
            .equals(hmac(k.location, `records\0row-${i}\0value`).subarray(0, 16)),
        ).toBe(true);
      }
      for (let i = 0; i < n; i++) k.locationTag('records', `row-${i}`, 'key');
    }
    expect(k.locationTag('a', 'b', 'c').equals(k.locationTag('a', 'c', 'b'))).toBe(false);
  });

  it('are forgotten by wipe(): afterwards they are computed again (under the zeroed key)', () => {
    const k = DataKey.random(1);
    const before = k.locationTag('records', 'r', 'value');
    const digest = k.indexDigest('record:crl', 'c');
    k.wipe();
    const zero = Buffer.alloc(32);
    expect(k.locationTag('records', 'r', 'value').equals(before)).toBe(false);
    expect(k.locationTag('records', 'r', 'value').equals(hmac(zero, 'records\0r\0value').subarray(0, 16))).toBe(true);
    expect(k.indexDigest('record:crl', 'c')).not.toBe(digest);
  });

  it('every seal has a fresh nonce and opens with the other AEAD implementation', () => {
    const k = DataKey.random(1);
    const loc = { table: 'records', row: 'r', column: 'value' };
    const a = seal(k, loc, Buffer.from('same'));
    const b = seal(k, loc, Buffer.from('same'));
    expect(a.subarray(21, 33).equals(b.subarray(21, 33))).toBe(false);
    expect(a.subarray(33).equals(b.subarray(33))).toBe(false);
    expect(open(() => k, loc, a, nobleAead).toString()).toBe('same');
  });
});

describe('a warm cache (digests and tags remembered) still detects', () => {
  it('a cell moved to another row or column, and a flipped bit, without being locked in between', () => {
    const { recipient } = keys();
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
    c.create([recipient], 'test');
    c.put('event-page', 'a', { v: 'A' }, { refetchable: true });
    c.put('event-page', 'b', { v: 'B' }, { refetchable: true });
    expect(c.get('event-page', 'a')).toEqual({ v: 'A' });
    expect(c.get('event-page', 'b')).toEqual({ v: 'B' });
    const raw = new Database(file);
    const rows = raw.prepare('SELECT id, key_cell, value_cell FROM records ORDER BY rowid').all() as {
      id: string;
      key_cell: Buffer;
      value_cell: Buffer;
    }[];
    const set = (cell: Buffer, id: string) =>
      raw.prepare('UPDATE records SET value_cell = ? WHERE id = ?').run(cell, id);
    set(rows[0]!.value_cell, rows[1]!.id);
    expect(code(() => c.get('event-page', 'b'))).toBe('CACHE_VALUE_MISPLACED');
    set(rows[1]!.key_cell, rows[1]!.id);
    expect(code(() => c.get('event-page', 'b'))).toBe('CACHE_VALUE_MISPLACED');
    for (const at of [rows[1]!.value_cell.length - 20, 25, 3]) {
      const flipped = Buffer.from(rows[1]!.value_cell);
      flipped[at]! ^= 0x01;
      set(flipped, rows[1]!.id);
      expect(
        code(() => c.get('event-page', 'b')),
        `bit at ${at}`,
      ).toBe('CACHE_VALUE_TAMPERED');
    }
    set(rows[1]!.value_cell, rows[1]!.id);
    expect(c.get('event-page', 'b')).toEqual({ v: 'B' });
    expect(c.get('event-page', 'a')).toEqual({ v: 'A' });
    raw.close();
    c.lock();
  });
});

describe('the LRU clock', () => {
  it('moves only after LRU_RESOLUTION_MS, is written in a batch of touchBatch reads or at lock, never lost', async () => {
    const { recipient, unwrapper } = keys();
    let t = 10_000_000;
    const TOUCH_BATCH = 16;
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30, now: () => t, touchBatch: TOUCH_BATCH });
    c.create([recipient], 'test');
    for (let i = 0; i < TOUCH_BATCH + 10; i++) c.put('crl', `c${i}`, { i }, { refetchable: true });
    const raw = new Database(file, { readonly: true });
    const access = (n: number) =>
      (raw.prepare('SELECT count(*) AS n FROM records WHERE last_access = ?').get(n) as { n: number }).n;
    t += LRU_RESOLUTION_MS - 1;
    c.get('crl', 'c0');
    c.lock();
    expect(access(10_000_000)).toBe(TOUCH_BATCH + 10); // too recent to move
    await c.unlock(unwrapper, 'test');
    t = 20_000_000;
    for (let i = 0; i < TOUCH_BATCH - 1; i++) c.get('crl', `c${i}`);
    expect(access(20_000_000)).toBe(0); // kept in memory
    c.get('crl', `c${TOUCH_BATCH - 1}`);
    expect(access(20_000_000)).toBe(TOUCH_BATCH); // the batch was written by a read
    c.get('crl', `c${TOUCH_BATCH}`);
    c.lock();
    expect(access(20_000_000)).toBe(TOUCH_BATCH + 1); // and the rest at lock
    raw.close();
  });
});
