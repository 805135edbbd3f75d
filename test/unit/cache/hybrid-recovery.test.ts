import { generateKeyPairSync } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { recipientFromRecoveryFile, recoveryUnwrapper } from '../../../electron/main/cache/key-wrap';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import { generateMlKemKey, mlKemPrivatePem, mlKemPublicPem } from '../../../electron/main/crypto/hybrid-kem';

/**
 * The recovery key's wrap of the cache key is hybrid when the recovery key files carry an
 * ML-KEM-1024 key: it opens only with both halves; classical recovery keys keep working.
 */
function recoveryKey(kind: 'ec' | 'rsa', hybrid: boolean) {
  const kp =
    kind === 'ec'
      ? generateKeyPairSync('ec', { namedCurve: 'secp384r1' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kem = generateMlKemKey();
  const pub = kp.publicKey.export({ type: 'spki', format: 'pem' }) as string;
  const priv = kp.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
  return {
    recipient: recipientFromRecoveryFile(
      Buffer.from(pub + (hybrid ? mlKemPublicPem(kem.encapsulationKey) : '')),
      'pub',
    ),
    unwrapper: recoveryUnwrapper(Buffer.from(priv + (hybrid ? mlKemPrivatePem(kem.seed) : '')), null, 'priv'),
    classicalOnly: recoveryUnwrapper(Buffer.from(priv), null, 'priv'),
    withOtherKem: recoveryUnwrapper(Buffer.from(priv + mlKemPrivatePem(generateMlKemKey().seed)), null, 'priv'),
  };
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-hybrid-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const pqColumn = (file: string) => {
  const db = new Database(file, { readonly: true });
  try {
    return db.prepare('SELECT length(pq_ciphertext) AS ct, length(pq_spki) AS pk FROM key_wraps').all();
  } finally {
    db.close();
  }
};

describe('hybrid recovery wrap of the cache key', () => {
  for (const kind of ['ec', 'rsa'] as const) {
    it(`${kind}: opens with both halves, not with either alone, and stays hybrid across a rotation`, async () => {
      const k = recoveryKey(kind, true);
      const file = join(dir, 'c.db');
      const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
      c.create([k.recipient], 'test');
      c.put('crl', 'a', { v: 1 }, { refetchable: true });
      c.lock();
      expect(pqColumn(file)).toEqual([{ ct: 1568, pk: 1590 }]);
      await expect(c.unlock(k.classicalOnly, 'test')).rejects.toMatchObject({ code: 'CACHE_KEY_UNWRAP_FAILED' });
      await expect(c.unlock(k.withOtherKem, 'test')).rejects.toMatchObject({ code: 'CACHE_KEY_UNWRAP_FAILED' });
      // The right ML-KEM key with another classical key is another recipient: no wrap of it.
      const other = recoveryKey(kind, true);
      await expect(c.unlock(other.unwrapper, 'test')).rejects.toMatchObject({ code: 'CACHE_WRONG_CARD' });
      expect(await c.unlock(k.unwrapper, 'test')).toBeNull();
      expect(c.get('crl', 'a')).toEqual({ v: 1 });
      expect(c.rotate(10)).toBe(0);
      c.lock();
      expect(pqColumn(file)).toEqual([{ ct: 1568, pk: 1590 }]);
      expect(await c.unlock(k.unwrapper, 'test')).toBeNull();
      c.lock();
    });
  }

  it('a classical recovery key wraps and opens as before, with or without an ML-KEM key at hand', async () => {
    const k = recoveryKey('ec', false);
    const file = join(dir, 'c.db');
    const c = new LocalCache({ file, workstationId: 'ws', limitBytes: 1 << 30 });
    c.create([k.recipient], 'test');
    c.lock();
    expect(pqColumn(file)).toEqual([{ ct: null, pk: null }]);
    expect(await c.unlock(k.classicalOnly, 'test')).toBeNull();
    c.lock();
    expect(await c.unlock(k.withOtherKem, 'test')).toBeNull();
    c.lock();
  });
});
