import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  cellGeneration,
  DataKey,
  NONCE_POOL,
  nobleAead,
  open,
  randomNonce,
  seal,
} from '../../../electron/main/cache/envelope';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { failureCode, softwareKeys } from './support';

// The write path's shortcuts (docs/cache.md "Performance") must not weaken
// the cells: nonces drawn in blocks are still fresh and never handed out twice; the generation
// index is gone (migration 3) but an older file still opens and a rotation still finishes; the
// remembered header follows a rotation.

const keys = () => softwareKeys('ec');
const code = failureCode;

let dir: string;
let file: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-write-'));
  file = join(dir, 'cache.db');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('nonces drawn from the pool', () => {
  it('are all different across several refills, are copies, and every cell opens (also with the other AEAD)', () => {
    const k = DataKey.random(1);
    const loc = { table: 'records', row: 'r', column: 'value' };
    const seen = new Set<string>();
    const n = NONCE_POOL * 3 + 7;
    for (let i = 0; i < n; i++) {
      const cell = seal(k, loc, Buffer.from(`value ${i}`));
      seen.add(cell.subarray(21, 33).toString('hex'));
      if (i % 97 === 0) expect(open(() => k, loc, cell, nobleAead).toString()).toBe(`value ${i}`);
    }
    expect(seen.size).toBe(n);
    const a = randomNonce();
    const copy = Buffer.from(a);
    a.fill(0); // writing into a handed-out nonce must not touch the pool
    const b = randomNonce();
    expect(b.length).toBe(12);
    expect(b.equals(copy)).toBe(false);
    expect(b.equals(Buffer.alloc(12))).toBe(false);
  });
});

describe('cache file format 3 (no generation index)', () => {
  it('a format-2 file (with the index) migrates on open; its records read, tampering still fails, a rotation with writes in between finishes', async () => {
    const { recipient, unwrapper } = keys();
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
    c.create([recipient], 'mem');
    for (let i = 0; i < 30; i++) c.put('event-page', `p${i}`, { i, text: `page ${i}` }, { refetchable: true });
    c.lock();
    // Put the file back to format 2 as version 2 of the console left it.
    const raw = new Database(file);
    raw.exec('CREATE INDEX records_generation ON records (generation)');
    raw.exec('ALTER TABLE key_wraps DROP COLUMN pq_ciphertext; ALTER TABLE key_wraps DROP COLUMN pq_spki');
    raw.pragma('user_version = 2');
    raw.close();

    await c.unlock(unwrapper, 'mem');
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(db.prepare("SELECT count(*) AS n FROM sqlite_schema WHERE name = 'records_generation'").get()).toEqual({
      n: 0,
    });
    db.close();
    for (let i = 0; i < 30; i++) expect(c.get('event-page', `p${i}`)).toEqual({ i, text: `page ${i}` });

    // Rotation without the index: batches, a write in between (sealed under the new generation
    // at once: the remembered header follows rotating_to), then the old key goes.
    expect(c.rotate(7, 2)).toBe(16);
    c.put('event-page', 'during', { during: true }, { refetchable: true });
    const gens = () => {
      const r = new Database(file, { readonly: true });
      try {
        return r
          .prepare('SELECT value_cell FROM records')
          .pluck(true)
          .all()
          .map((v) => cellGeneration(v as Buffer));
      } finally {
        r.close();
      }
    };
    expect(gens().filter((g) => g === 2).length).toBe(15);
    expect(c.rotate(7)).toBe(0);
    expect(new Set(gens())).toEqual(new Set([2]));
    c.put('event-page', 'after', { after: true }, { refetchable: true });
    expect(new Set(gens())).toEqual(new Set([2]));
    for (let i = 0; i < 30; i++) expect(c.get('event-page', `p${i}`)).toEqual({ i, text: `page ${i}` });
    expect(c.get('event-page', 'during')).toEqual({ during: true });
    c.lock();

    // Swapping two authentic value cells is still found, after the migration and the rotation.
    await c.unlock(unwrapper, 'mem');
    expect(c.get('event-page', 'p1')).toEqual({ i: 1, text: 'page 1' }); // warm memory of tags
    const w = new Database(file);
    const rows = w.prepare('SELECT id, value_cell FROM records ORDER BY id LIMIT 2').all() as {
      id: string;
      value_cell: Buffer;
    }[];
    const upd = w.prepare('UPDATE records SET value_cell = ? WHERE id = ?');
    upd.run(rows[1]!.value_cell, rows[0]!.id);
    upd.run(rows[0]!.value_cell, rows[1]!.id);
    w.close();
    const outcomes = new Set<string>();
    for (const k of [...Array.from({ length: 30 }, (_, i) => `p${i}`), 'during', 'after'])
      outcomes.add(code(() => c.get('event-page', k)));
    expect(outcomes).toEqual(new Set(['NO_ERROR', 'CACHE_VALUE_MISPLACED']));
    c.lock();
  });

  it('a new file is made at format 3, without the index', () => {
    const { recipient } = keys();
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
    c.create([recipient], 'mem');
    c.put('event-page', 'x', { x: 1 }, { refetchable: true });
    c.lock();
    const db = new Database(file, { readonly: true });
    expect(db.pragma('user_version', { simple: true })).toBe(4);
    expect(
      db
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'index' AND tbl_name = 'records' AND sql IS NOT NULL")
        .pluck(true)
        .all(),
    ).toEqual(['records_lru']);
    db.close();
  });
});

describe('re-fetchable bytes kept in the sealed manifest', () => {
  const sum = () => {
    const r = new Database(file, { readonly: true });
    try {
      return (r.prepare('SELECT coalesce(sum(size), 0) AS n FROM records WHERE refetchable = 1').get() as { n: number })
        .n;
    } finally {
      r.close();
    }
  };

  it('match the table after puts, overwrites and evictions; unlock takes them from the manifest; a stale or missing figure is summed again', async () => {
    const { recipient, unwrapper } = keys();
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 20_000 });
    c.create([recipient], 'mem');
    for (let i = 0; i < 40; i++)
      c.put('event-page', `p${i % 25}`, { i, pad: 'x'.repeat(700 + i) }, { refetchable: true }); // overwrites, evictions
    c.put('policy-draft', 'd', { draft: true }, { refetchable: true }); // never re-fetchable
    const bytes = c.stats().refetchableBytes;
    expect(bytes).toBe(sum());
    expect(bytes).toBeLessThanOrEqual(20_000);
    c.lock();

    // The clear size column edited: an unlock that trusted the table would see it; the sealed manifest wins.
    const w = new Database(file);
    w.prepare(
      'UPDATE records SET size = size + 1000 WHERE rowid = (SELECT min(rowid) FROM records WHERE refetchable = 1)',
    ).run();
    w.close();
    expect(await c.unlock(unwrapper, 'mem')).toBeNull();
    expect(c.stats().refetchableBytes).toBe(bytes);

    // A manifest whose figure is from an older counter (a console that did not know the field kept
    // it while changing the file): summed from the table instead.
    const inner = c as unknown as { keyOf: (g: number) => DataKey | null; db: Database.Database };
    const loc = { table: 'meta', row: 'manifest', column: 'value' };
    const cell = inner.db.prepare("SELECT value FROM meta WHERE name = 'manifest'").pluck(true).get() as Buffer;
    const manifest = JSON.parse(open(inner.keyOf, loc, cell).toString('utf8')) as {
      counter: number;
      refetchable?: { bytes: number; counter: number };
    };
    expect(manifest.refetchable).toEqual({ bytes, counter: manifest.counter });
    manifest.refetchable = { bytes: 1, counter: manifest.counter - 1 };
    inner.db
      .prepare("UPDATE meta SET value = ? WHERE name = 'manifest'")
      .run(seal(inner.keyOf(1)!, loc, Buffer.from(JSON.stringify(manifest))));
    c.lock();
    expect(await c.unlock(unwrapper, 'mem')).toBeNull();
    expect(c.stats().refetchableBytes).toBe(sum());
    expect(sum()).toBe(bytes + 1000);
    c.lock();
  });
});
