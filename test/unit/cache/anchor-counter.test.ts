import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { generateKeyPairSync, type KeyObject } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recipientFromRecoveryFile, recoveryUnwrapper } from '../../../electron/main/cache/key-wrap';
import { DataKey, seal } from '../../../electron/main/cache/envelope';
import { LocalCache } from '../../../electron/main/cache/local-cache';

// What the rollback anchor (anchor.ts, test/integration/cache/rollback-anchor.test.ts) relies on in
// the file: a change counter that only goes up (rotation included), and a per-cache anchor key that
// every copy of the file shares and no other cache has.

function keys() {
  const kp = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
  const pub = (kp.publicKey as KeyObject).export({ type: 'spki', format: 'pem' }) as string;
  const pem = (kp.privateKey as KeyObject).export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    recipient: recipientFromRecoveryFile(Buffer.from(pub), 'mem'),
    unwrapper: recoveryUnwrapper(Buffer.from(pem), null, 'mem'),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-anchor-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('change counter and anchor key', () => {
  it('the counter goes up with every change, across lock/unlock and a key rotation, and not on reads', async () => {
    const { recipient, unwrapper } = keys();
    const c = new LocalCache({ file: join(dir, 'c.db'), workstationId: 'ws', limitBytes: 1 << 30 });
    c.create([recipient], 'test');
    const seen = [c.anchorState().counter];
    const step = () => {
      const n = c.anchorState().counter;
      expect(n).toBeGreaterThan(seen[seen.length - 1]!);
      seen.push(n);
    };
    c.put('crl', 'a', { v: 1 }, { refetchable: true });
    step();
    const { id } = c.enqueue('review.signed', { r: 1 }, null);
    step();
    c.settle(id, 'delivered', null);
    step();
    c.get('crl', 'a');
    expect(c.anchorState().counter).toBe(seen[seen.length - 1]);
    c.lock();
    await c.unlock(unwrapper, 'test');
    expect(c.anchorState().counter).toBe(seen[seen.length - 1]);
    const mac = c.anchorMac(1);
    expect(c.rotate(1)).toBe(0);
    step();
    c.put('crl', 'b', { v: 2 }, { refetchable: true });
    step();
    c.lock();
    // the anchor key survives the rotation (re-sealed under the new generation)
    expect(await c.unlock(unwrapper, 'test')).toBeNull();
    expect(c.stats().generation).toBe(2);
    expect(c.anchorMac(1)).toBe(mac);
    c.lock();
  });

  it('every copy of a file has the same anchor key, another cache another; a file without one gets one at unlock', async () => {
    const { recipient, unwrapper } = keys();
    const file = join(dir, 'a.db');
    const a = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
    a.create([recipient], 'test');
    const mac = a.anchorMac(7);
    expect(mac).toMatch(/^[0-9a-f]{64}$/);
    expect(a.anchorMac(8)).not.toBe(mac);
    a.lock();
    copyFileSync(file, join(dir, 'copy.db'));
    const copy = new LocalCache({ file: join(dir, 'copy.db'), workstationId: 'ws', limitBytes: 1 << 30 });
    expect(await copy.unlock(unwrapper, 'test')).toBeNull();
    expect(copy.anchorMac(7)).toBe(mac);
    copy.lock();
    const other = new LocalCache({ file: join(dir, 'other.db'), workstationId: 'ws', limitBytes: 1 << 30 });
    other.create([recipient], 'test');
    expect(other.anchorMac(7)).not.toBe(mac);
    other.lock();
    // the key is sealed, not in clear
    const raw = new Database(file);
    const cell = (raw.prepare("SELECT value FROM meta WHERE name = 'anchor_key'").get() as { value: Buffer }).value;
    expect(cell.length).toBe(21 + 12 + 32 + 16);
    // removed from a file that has one (the sealed manifest says so): the file is damaged, no new key
    raw.prepare("DELETE FROM meta WHERE name = 'anchor_key'").run();
    expect((await a.unlock(unwrapper, 'test'))?.code).toBe('CACHE_FILE_TRUNCATED');
    a.lock();
    // a file from before anchoring (manifest without counter or anchor key, no key row): one is
    // made at unlock, sealed, and counted as a change
    const old = await a
      .unlock(unwrapper, 'test')
      .then(() => (a as unknown as { keys: Map<number, DataKey> }).keys.get(1)!);
    raw
      .prepare("UPDATE meta SET value = ? WHERE name = 'manifest'")
      .run(
        seal(
          old,
          { table: 'meta', row: 'manifest', column: 'value' },
          Buffer.from(JSON.stringify({ records: 0, outbox: 0, sealed: 3 })),
        ),
      );
    raw.close();
    a.lock();
    expect(await a.unlock(unwrapper, 'test')).toBeNull();
    const before = a.anchorState().counter;
    expect(before).toBe(1);
    expect(a.anchorMac(7)).not.toBe(mac);
    a.lock();
    expect(await a.unlock(unwrapper, 'test')).toBeNull();
    expect(a.anchorState().counter).toBe(before);
    a.lock();
  });
});
