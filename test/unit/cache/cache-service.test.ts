import { execFileSync } from 'node:child_process';
import { createPrivateKey, createPublicKey, diffieHellman, generateKeyPairSync } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { CacheService, cacheFileOf, cardKey } from '../../../electron/main/cache/cache-service';
import { LocalCache } from '../../../electron/main/cache/local-cache';
import type { LoggedInCard } from '../../../electron/main/card/operator-auth';
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
  /** The EDIPI of the logged-in operator's validated login certificate (names their cache file). */
  edipi = '1000000001';
  activeCard() {
    return this.card;
  }
  session() {
    return this.card ? { ...session(false), edipi: this.edipi } : null;
  }
  /** Logs `card` in as the operator with `edipi` (null: logs out), as OperatorAuth announces it. */
  login(card: ReturnType<typeof softCard> | null, edipi = this.edipi) {
    this.card = card;
    this.edipi = edipi;
    this.emit('changed', this.session());
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

    // Another card presented for the same operator (same EDIPI, same file): refused, stays locked.
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

describe('one cache file per operator', () => {
  const records = (s: CacheService) => s.cache.keysOf('event-page');

  it("gives two operators on one workstation a file each: each sees their own evidence, never the other's", async () => {
    const auth = new FakeAuth();
    const s = service(auth);
    const adams = softCard('ADAMS');
    const baker = softCard('BAKER');
    auth.login(adams, '1000000001');
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    s.put('event-page', 'adams-page', { who: 'adams' });
    const adamsFile = s.status().file;
    auth.login(null); // logout: the key is wiped
    expect(s.status().state).toBe('locked');

    auth.login(baker, '1000000002');
    expect(await settle(s, 'unlocked')).toBe('unlocked'); // not CACHE_WRONG_CARD: a file of their own
    const bakerFile = s.status().file;
    expect(bakerFile).not.toBe(adamsFile);
    expect(s.status().unlockedBy).toBe('card BAKER');
    expect(s.get('event-page', 'adams-page')).toBeNull();
    expect(records(s)).toEqual([]);
    s.put('event-page', 'baker-page', { who: 'baker' });
    // Neither the file names nor the file say whose they are.
    for (const f of [adamsFile, bakerFile]) expect(f).not.toMatch(/1000000001|1000000002|ADAMS|BAKER/);

    auth.login(null);
    auth.login(adams, '1000000001');
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.status().file).toBe(adamsFile);
    expect(s.get('event-page', 'adams-page')).toEqual({ who: 'adams' });
    expect(s.get('event-page', 'baker-page')).toBeNull();
    s.close();
  });

  it("refuses the other operator's file put in place of one's own (CACHE_WRONG_CARD), and leaves it intact", async () => {
    const auth = new FakeAuth();
    const s = service(auth);
    const adams = softCard('ADAMS');
    const baker = softCard('BAKER');
    auth.login(adams, '1000000001');
    await settle(s, 'unlocked');
    s.put('event-page', 'adams-page', { secret: 'adams' });
    const adamsFile = s.status().file;
    auth.login(null);
    // BAKER (who can write to the data directory) copies ADAMS's file to the name of their own cache.
    const bakerFile = cacheFileOf({ dataDir: dir } as unknown as ArxConfig, '1000000002', 'ws');
    copyFileSync(adamsFile, bakerFile);
    auth.card = baker;
    auth.edipi = '1000000002';
    await expect(s.unlock()).rejects.toMatchObject({ code: 'CACHE_WRONG_CARD' });
    expect(s.status().state).toBe('locked');
    expect(() => s.get('event-page', 'adams-page')).toThrow(expect.objectContaining({ code: 'CACHE_LOCKED' }));
    // The recovery path does not open it either without the organisation's recovery key.
    await expect(s.recover(join(dir, 'nothing.pem'), null)).rejects.toMatchObject({
      code: 'CACHE_RECOVERY_KEY_INVALID',
    });
    auth.login(null);
    auth.login(adams, '1000000001');
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.get('event-page', 'adams-page')).toEqual({ secret: 'adams' });
    s.close();
  });

  it('migrates the shared file of an older console to the operator whose card opens it, losing nothing', async () => {
    const adams = softCard('ADAMS');
    const baker = softCard('BAKER');
    // An older console's cache: one shared file, made with ADAMS's card.
    const legacy = join(dir, 'cache', 'evidence-cache.db');
    mkdirSync(join(dir, 'cache'), { recursive: true, mode: 0o700 });
    const old = new LocalCache({ file: legacy, workstationId: 'ws', limitBytes: 1 << 20 });
    old.create([cardKey(adams as unknown as LoggedInCard).recipient], 'card ADAMS');
    for (let i = 0; i < 50; i++) old.put('event-page', `page-${i}`, { i }, { refetchable: true });
    old.enqueue('review.signed', { r: 1 }, null);
    old.lock();

    const auth = new FakeAuth();
    const s = service(auth);
    // BAKER logs in first: a file of their own; the shared one waits for its owner.
    auth.login(baker, '1000000002');
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.status().file).not.toBe(legacy);
    expect(records(s)).toEqual([]);
    expect(existsSync(legacy)).toBe(true);
    auth.login(null);

    auth.login(adams, '1000000001');
    expect(await settle(s, 'unlocked')).toBe('unlocked');
    expect(s.status().file).toBe(cacheFileOf({ dataDir: dir } as unknown as ArxConfig, '1000000001', 'ws'));
    expect(existsSync(legacy)).toBe(false);
    for (let i = 0; i < 50; i++) expect(s.get('event-page', `page-${i}`)).toEqual({ i });
    expect(s.status().outbox.pending).toBe(1);
    s.close();
  });
});
