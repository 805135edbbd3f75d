import { execFileSync } from 'node:child_process';
import { createHash, X509Certificate } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardService } from '../../../electron/main/card/card-service';
import { OperatorAuth, type SessionAuditEvent } from '../../../electron/main/card/operator-auth';
import { findOperator } from '../../../electron/main/card/operator-directory';
import { connectOperator } from '../../../electron/main/card/operator-database';
import type { Pkcs11Client } from '../../../electron/main/card/pkcs11-client';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { ArxFailure } from '../../../shared/contract';
import { migratedDatabase } from '../../support/pg';
import { operatorPools } from '../../support/operator-pools';

/**
 * OperatorAuth with SoftHSM2 test cards through the real card service (pkcs11js in its worker),
 * the test PKI and a real control plane for the operator lookup: the idle lock (on an injected
 * clock, so no test waits for wall time), what a lock wipes, and signing with the operator's
 * Digital Signature key (9C), verified with openssl from the signing certificate.
 */

/** A manual clock for OperatorAuth's `schedule`: timers fire only when the test advances it. */
class ManualClock {
  now = 0;
  private timers: { at: number; fn: () => void; live: boolean }[] = [];
  readonly schedule = (fn: () => void, ms: number) => {
    const t = { at: this.now + ms, fn, live: true };
    this.timers.push(t);
    return () => {
      t.live = false;
    };
  };
  get armed(): number {
    return this.timers.filter((t) => t.live).length;
  }
  advance(ms: number): void {
    this.now += ms;
    for (const t of this.timers) {
      if (t.live && t.at <= this.now) {
        t.live = false;
        t.fn();
      }
    }
  }
}

const IDLE_MS = 15 * 60_000;
const PIN = '123456';
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
/** A good card (login certificate valid) whose Digital Signature certificate is a revoked one. */
const SWAPPED = 'ARX TEST SIGN REVOKED';

let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let service: CardService;
let dir: string;
const clock = new ManualClock();
const audit: SessionAuditEvent[] = [];
let auth: OperatorAuth;

const failure = async (p: Promise<unknown>): Promise<ArxFailure> => {
  try {
    await p;
  } catch (err) {
    if (err instanceof ArxFailure) return err;
    throw err;
  }
  throw new Error('expected a failure');
};

async function slotOf(label: string): Promise<string> {
  const slot = (await service.listSlots()).find((s) => s.token?.label === label);
  if (!slot) throw new Error(`no token ${label}`);
  return slot.slot;
}

const login = async (label: string) =>
  auth.login({ slot: await slotOf(label), certificateId: null, pin: PIN, confirmFinalTry: false });

/** `openssl dgst -verify` with the public key of the signing certificate (DER), over `message`. */
function opensslVerify(certDer: Uint8Array, message: Buffer, signature: Uint8Array, opts: string[] = []): boolean {
  const pub = new X509Certificate(certDer).publicKey.export({ type: 'spki', format: 'pem' });
  writeFileSync(join(dir, 'pub.pem'), pub);
  writeFileSync(join(dir, 'msg.bin'), message);
  writeFileSync(join(dir, 'sig.bin'), signature);
  try {
    const out = execFileSync(
      'openssl',
      [
        'dgst',
        '-sha256',
        '-verify',
        join(dir, 'pub.pem'),
        ...opts,
        '-signature',
        join(dir, 'sig.bin'),
        join(dir, 'msg.bin'),
      ],
      {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    return out.includes('Verified OK');
  } catch {
    return false;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-opauth-'));
  db = await migratedDatabase('opauth');
  const spec = (label: string) => TEST_CARDS.find((c) => c.label === label)!;
  cards = await provisionTestCards(join(dir, 'cards'), {
    specs: [
      spec(ADAMS),
      spec(BAKER),
      spec('ARX TEST REVOKED'),
      { ...spec(ADAMS), label: SWAPPED, person: { last: 'HAYES', first: 'HAL', middle: 'H', edipi: '1000000009' } },
    ],
  });
  // The swapped card: its own 9C certificate object is replaced by the revoked card's 9C
  // certificate (issued by the trusted CA, listed on its CRL). Its login certificate stays good.
  const env = { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf };
  const p11 = (args: string[]) =>
    execFileSync(
      'pkcs11-tool',
      ['--module', cards.module, '--token-label', SWAPPED, '--login', '--pin', PIN, ...args],
      { env, stdio: 'pipe' },
    );
  p11(['--delete-object', '--type', 'cert', '--id', '02']);
  const revokedSign = cards.cards.find((c) => c.label === 'ARX TEST REVOKED')!.certificates.find((c) => c.id === '02')!;
  p11([
    '--write-object',
    revokedSign.file,
    '--type',
    'cert',
    '--id',
    '02',
    '--label',
    'Certificate for Digital Signature',
  ]);
  await registerTestOperators(db.admin, cards, [db.tenants.a]);

  // SoftHSM2 reads its configuration from the environment of the process that loads it.
  process.env.SOFTHSM2_CONF = cards.softhsm2Conf;
  service = await CardService.open({ modulePath: cards.module, pollIntervalMs: 200 });
  const trust = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
  const pools = await operatorPools(db);
  auth = new OperatorAuth({
    backend: async () => service,
    trustStore: () => trust,
    policy: { policyArcs: [cards.policyArc], staleCrl: 'fail' },
    connect: async (edipi, card) => void (await connectOperator(pools, edipi, card)),
    disconnect: () => pools.closeOperatorPool('none'),
    findOperator: (edipi, sha) => findOperator(pools.pool(), edipi, sha),
    audit: async (e) => {
      audit.push(e);
    },
    idleLockMs: IDLE_MS,
    schedule: clock.schedule,
  });
}, 240_000);

afterAll(async () => {
  await auth?.close();
  await service?.close();
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('idle lock (injected clock)', () => {
  it('locks after the idle time, and any activity re-arms it', async () => {
    const changes: (string | null)[] = [];
    const onChange = (s: { lockReason: string | null } | null) => changes.push(s ? (s.lockReason ?? 'open') : null);
    auth.on('changed', onChange);
    try {
      await login(ADAMS);
      expect(clock.armed).toBe(1);
      clock.advance(IDLE_MS - 1);
      expect(auth.session()!.locked).toBe(false);
      // Activity (every registry call touches) re-arms the full idle time.
      auth.touch();
      expect(clock.armed).toBe(1);
      clock.advance(IDLE_MS - 1);
      expect(auth.session()!.locked).toBe(false);
      clock.advance(1);
      await expect.poll(() => auth.session()?.lockReason).toBe('idle');
      expect(auth.session()).toMatchObject({ locked: true, edipi: '1000000001' });
      expect(auth.activeCard()).toBeNull();
      expect(changes).toEqual(['open', 'idle']);
      // The lock is recorded after the screen locked (it may not delay the lock).
      await expect.poll(() => audit.at(-1)?.type).toBe('com.arx.session.closed');
      expect(audit.at(-1)).toMatchObject({ data: { edipi: '1000000001', reason: 'idle' } });
      // Locked: the clock no longer counts, and activity does not unlock.
      expect(clock.armed).toBe(0);
      auth.touch();
      expect(auth.session()!.locked).toBe(true);
      // The PIN of the same card resumes it, and arms the idle lock again.
      const resumed = await auth.unlock(PIN);
      expect(resumed).toMatchObject({ locked: false, lockReason: null });
      expect(clock.armed).toBe(1);
    } finally {
      auth.off('changed', onChange);
      await auth.logout();
    }
    expect(clock.armed).toBe(0);
  });
});

describe('a lock wipes the card session', () => {
  it('closes the PKCS#11 session: signing, ECDH and object access all fail after the lock', async () => {
    await login(ADAMS);
    const card = auth.activeCard()!;
    expect(card.isOpen).toBe(true);
    // Reach around the CardSession guard to the worker with the session handle itself: this is
    // what must be gone after the lock, not only a flag in the main thread.
    const inner = card as unknown as { client: Pkcs11Client; session: string };
    const CKO_PRIVATE_KEY = 3;
    const before = await inner.client.call({ op: 'findObjects', session: inner.session, objectClass: CKO_PRIVATE_KEY });
    expect(before.length).toBeGreaterThanOrEqual(4);
    const digest = createHash('sha256').update('before the lock').digest();
    expect((await auth.sign('a statement', digest, PIN)).algorithm).toBe('ECDSA');

    await auth.lock('user');
    expect(card.isOpen).toBe(false);
    expect(auth.activeCard()).toBeNull();
    expect((await failure(auth.sign('a statement', digest, PIN))).code).toBe('SESSION_LOCKED');
    expect((await failure(card.signDigest!('a statement', digest, new TextEncoder().encode(PIN)))).code).toBe(
      'CARD_SESSION_CLOSED',
    );
    expect((await failure(card.deriveSharedSecret!(new Uint8Array(65)))).code).toBe('CARD_SESSION_CLOSED');
    // The module itself says the session handle is no longer valid (CKR_SESSION_HANDLE_INVALID).
    expect(
      (await failure(inner.client.call({ op: 'findObjects', session: inner.session, objectClass: CKO_PRIVATE_KEY })))
        .code,
    ).toBe('CARD_SESSION_CLOSED');

    await auth.unlock(PIN);
    expect(auth.activeCard()).not.toBe(card);
    expect((await auth.sign('after unlock', digest, PIN)).algorithm).toBe('ECDSA');
    await auth.logout();
    expect((await failure(auth.sign('a statement', digest, PIN))).code).toBe('SESSION_NONE');
  });
});

describe('operatorAuth.sign with the Digital Signature key (9C)', () => {
  const message = Buffer.from('policy version 3 of alpha-command, approved');
  const digest = createHash('sha256').update(message).digest();

  it('EC card: ECDSA (DER), verified by openssl with the signing certificate; PIN per signature', async () => {
    await login(ADAMS);
    try {
      expect((await failure(auth.sign('approve policy v3', digest, null))).code).toBe('PIN_INVALID');
      expect((await failure(auth.sign('approve policy v3', digest, '999111'))).code).toBe('PIN_INCORRECT');
      const sig = await auth.sign('approve policy v3', digest, PIN);
      const provisioned = cards.cards.find((c) => c.label === ADAMS)!.certificates.find((c) => c.id === '02')!;
      expect(sig).toMatchObject({
        purpose: 'approve policy v3',
        algorithm: 'ECDSA',
        certificateSha256: provisioned.sha256,
        operator: { edipi: '1000000001' },
      });
      expect(sig.raw.length).toBe(64);
      expect(new Uint8Array(readFileSync(provisioned.file))).toEqual(sig.certificateDer);
      expect(opensslVerify(sig.certificateDer, message, sig.signature)).toBe(true);
      // The check can fail: another message, or the login certificate's key, does not verify.
      expect(opensslVerify(sig.certificateDer, Buffer.from('policy version 4'), sig.signature)).toBe(false);
      const loginCert = cards.cards.find((c) => c.label === ADAMS)!.certificates.find((c) => c.id === '01')!;
      expect(opensslVerify(new Uint8Array(readFileSync(loginCert.file)), message, sig.signature)).toBe(false);
    } finally {
      await auth.logout();
    }
  });

  it('RSA card: RSASSA-PSS by default and PKCS#1 v1.5 on request, both verified by openssl', async () => {
    await login(BAKER);
    try {
      const pss = await auth.sign('approve policy v3', digest, PIN);
      expect(pss.algorithm).toBe('RSASSA-PSS');
      expect(pss.signature.length).toBe(256);
      expect(
        opensslVerify(pss.certificateDer, message, pss.signature, [
          '-sigopt',
          'rsa_padding_mode:pss',
          '-sigopt',
          'rsa_pss_saltlen:32',
        ]),
      ).toBe(true);
      expect(opensslVerify(pss.certificateDer, message, pss.signature)).toBe(false);
      const pkcs1 = await auth.sign('approve policy v3', digest, PIN, { rsa: 'pkcs1' });
      expect(pkcs1.algorithm).toBe('RSASSA-PKCS1-v1_5');
      expect(opensslVerify(pkcs1.certificateDer, message, pkcs1.signature)).toBe(true);
    } finally {
      await auth.logout();
    }
  });

  it('a revoked signing certificate is refused before the card is asked (the PIN never reaches it)', async () => {
    const s = await login(SWAPPED);
    expect(s).toMatchObject({ edipi: '1000000009', locked: false });
    try {
      // A wrong PIN: had the card been asked, the answer would be PIN_INCORRECT.
      const refused = await failure(auth.sign('approve policy v3', digest, '999111'));
      expect(refused.code).toBe('CERT_REVOKED');
      expect((await failure(auth.sign('approve policy v3', digest, PIN))).code).toBe('CERT_REVOKED');
    } finally {
      await auth.logout();
    }
  });
});
