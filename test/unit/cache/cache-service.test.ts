import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { CacheService } from '../../../electron/main/cache/cache-service';
import type { ArxConfig } from '../../../electron/main/config/config';
import type { OperatorAuth } from '../../../electron/main/card/operator-auth';
import type { ControlPlane } from '../../../electron/main/controlplane/control-plane';

// The service's wiring: it opens on login with the card's 9D key, and lock / logout / card removal
// (OperatorAuth 'changed') wipe the key. A software "card" (an EC key and a self-signed 9D
// certificate made with openssl) stands in for the SoftHSM2 card tested in test/integration/cache.

let dir: string;

function softCard(name: string) {
  const keyFile = join(dir, `${name}.key`);
  const certFile = join(dir, `${name}.der`);
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      keyFile,
      '-outform',
      'DER',
      '-out',
      certFile,
      '-subj',
      `/CN=${name}`,
      '-days',
      '2',
    ],
    { stdio: 'ignore' },
  );
  const privateKey = createPrivateKey(readFileSync(keyFile));
  const der = new Uint8Array(readFileSync(certFile));
  return {
    slot: '1',
    token: { label: name, serialNumber: name },
    isOpen: true,
    certificate: {
      id: '01',
      label: 'x',
      role: 'piv-authentication',
      keyReference: '9A',
      der,
      subject: `CN=${name}`,
      fingerprint: '',
    },
    once: () => undefined,
    logout: async () => undefined,
    keyManagementCertificate: () => ({
      id: '03',
      label: 'Certificate for Key Management',
      role: 'key-management' as const,
      keyReference: '9D',
      der,
      subject: `CN=${name}`,
      fingerprint: '',
    }),
    deriveSharedSecret: async (point: Uint8Array) => {
      const b = Buffer.from(point);
      const pub = createPublicKey({
        key: {
          kty: 'EC',
          crv: 'P-256',
          x: b.subarray(1, 33).toString('base64url'),
          y: b.subarray(33).toString('base64url'),
        },
        format: 'jwk',
      });
      return new Uint8Array(diffieHellman({ privateKey, publicKey: pub }));
    },
  };
}

class FakeAuth extends EventEmitter {
  card: ReturnType<typeof softCard> | null = null;
  activeCard() {
    return this.card;
  }
  async cardCertificates() {
    return [{ ...this.other!.keyManagementCertificate() }];
  }
  other: ReturnType<typeof softCard> | null = null;
}

const session = (locked: boolean) => ({
  operatorId: 'o',
  edipi: '1000000001',
  displayName: 'A',
  tokenLabel: 't',
  certificateSha256: 'x',
  roles: [],
  startedAt: '',
  locked,
  lockReason: locked ? 'user' : null,
});

function service(auth: FakeAuth, recoveryPublicKey: string | null = null) {
  const config = { dataDir: dir, cache: { recoveryPublicKey, limitBytes: 1 << 20 } } as unknown as ArxConfig;
  const controlPlane = {
    status: () => ({ state: 'unreachable', mode: 'embedded', detail: '' }),
  } as unknown as ControlPlane;
  return new CacheService({
    config,
    operatorAuth: auth as unknown as OperatorAuth,
    controlPlane,
    log: () => {},
    workstationId: 'ws',
    deliveryIntervalMs: 0,
  });
}

const settle = async (s: CacheService, state: string) => {
  for (let i = 0; i < 100 && s.status().state !== state; i++) await new Promise((r) => setTimeout(r, 10));
  return s.status().state;
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'arx-cache-svc-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('CacheService', () => {
  it('opens on login with the card, wipes the key on lock and on logout, reopens with the same card', async () => {
    const auth = new FakeAuth();
    const s = service(auth);
    expect(s.status().state).toBe('absent');
    auth.card = softCard('ADAMS');
    auth.emit('changed', session(false));
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.status().recipients.map((r) => [r.role, r.kind, r.label])).toEqual([['card', 'ec', 'ADAMS']]);
    s.put('event-page', 'p', { v: 1 });
    s.cache.enqueue('review.signed', { r: 1 }, null);

    auth.emit('changed', session(true)); // lock (user, idle or card removal)
    expect(s.status().state).toBe('locked');
    expect(() => s.get('event-page', 'p')).toThrow(ArxFailure);

    auth.emit('changed', session(false)); // same card + PIN again
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.get('event-page', 'p')).toEqual({ v: 1 });
    auth.emit('changed', null); // logout
    expect(s.status().state).toBe('locked');

    // Another person's card: refused, stays locked.
    auth.card = softCard('BAKER');
    await expect(s.unlock()).rejects.toMatchObject({ code: 'CACHE_WRONG_CARD' });
    expect(s.status().state).toBe('locked');
    s.close();
  });

  it('wraps to the configured recovery key, re-wraps to a second card, and refuses to wipe an unsent outbox', async () => {
    const rec = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const pub = join(dir, 'recovery.pub.pem');
    const priv = join(dir, 'recovery.pem');
    writeFileSync(pub, rec.publicKey.export({ type: 'spki', format: 'pem' }) as string);
    writeFileSync(priv, rec.privateKey.export({ type: 'pkcs8', format: 'pem' }) as string);
    const auth = new FakeAuth();
    const s = service(auth, pub);
    auth.card = softCard('ADAMS');
    await s.unlock();
    expect(
      s
        .status()
        .recipients.map((r) => r.role)
        .sort(),
    ).toEqual(['card', 'recovery']);
    s.cache.enqueue('review.signed', { r: 1 }, null);
    expect(() => s.wipe(false)).toThrow(expect.objectContaining({ code: 'CACHE_OUTBOX_NOT_EMPTY' }));

    auth.other = softCard('CARTER');
    await s.rewrap('2', true);
    expect(
      s
        .status()
        .recipients.map((r) => r.label)
        .sort(),
    ).toEqual(['CARTER', 'organisation recovery key']);
    s.lock();
    auth.card = auth.other;
    await s.unlock();
    expect(s.status().unlockedBy).toBe('card CARTER');
    s.lock();
    await s.recover(priv, null);
    expect(s.status()).toMatchObject({ state: 'unlocked', unlockedBy: 'recovery key' });
    expect(s.wipe(true).state).toBe('absent');
    s.close();
  });
});
