// The card service against SoftHSM2 through pkcs11js, in its worker thread. Tokens are made by
// test/support/softhsm.ts in a temporary directory with their own SOFTHSM2_CONF.
import { execFileSync } from 'node:child_process';
import { X509Certificate, createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { CardService, type CardSession } from '../../../electron/main/card/card-service';
import { createSoftHsm, type SoftHsmFixture } from '../../support/softhsm';

const PIN = '246810';
const pin = (s = PIN) => new Uint8Array(Buffer.from(s, 'utf8'));

async function failure(p: Promise<unknown>): Promise<ArxFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ArxFailure);
    return err as ArxFailure;
  }
  throw new Error('expected a failure');
}

let hsm: SoftHsmFixture;
let service: CardService;

beforeAll(async () => {
  hsm = createSoftHsm();
  await hsm.addToken({ label: 'arx-ec', pin: PIN, keyType: 'ec' });
  await hsm.addToken({ label: 'arx-rsa', pin: PIN, keyType: 'rsa' });
  await hsm.addToken({ label: 'arx-mismatch', pin: PIN, keyType: 'ec', mismatchedAuthCert: true });
  await hsm.addToken({ label: 'arx-removable', pin: PIN, keyType: 'ec' });
  service = await CardService.open({ modulePath: hsm.module, pollIntervalMs: 250 });
}, 120_000);

afterAll(async () => {
  await service?.close();
  hsm?.cleanup();
});

async function slotOf(label: string): Promise<string> {
  const slot = (await service.listSlots()).find((s) => s.token?.label === label);
  if (!slot) throw new Error(`no slot with ${label}`);
  return slot.slot;
}

describe('card service (SoftHSM2)', () => {
  it('self-check of the fixture: each certificate is self-signed by the token key', () => {
    const cert = new X509Certificate(hsm.certificate('arx-ec', '01'));
    expect(cert.verify(cert.publicKey)).toBe(true);
  });

  it('lists slots with and without a token, token info and PIN state', async () => {
    const slots = await service.listSlots();
    const labels = slots.map((s) => s.token?.label).filter(Boolean);
    expect(labels).toEqual(expect.arrayContaining(['arx-ec', 'arx-rsa', 'arx-mismatch', 'arx-removable']));
    const ec = slots.find((s) => s.token?.label === 'arx-ec')!;
    expect(ec.tokenPresent).toBe(true);
    expect(ec.token!.serialNumber).toMatch(/^[0-9a-f]+$/);
    expect(ec.pinState).toMatchObject({ level: 'ok', pinPad: false });
    // SoftHSM2 always offers one more slot with an uninitialised token.
    expect(slots.some((s) => s.token !== null && s.token.label === '')).toBe(true);
  });

  it('lists the certificates with their PIV roles', async () => {
    const certs = await service.listCertificates(await slotOf('arx-ec'));
    const byId = Object.fromEntries(certs.map((c) => [c.id, c]));
    expect(byId['01']).toMatchObject({
      role: 'piv-authentication',
      keyReference: '9A',
      label: 'Certificate for PIV Authentication',
    });
    expect(byId['02']).toMatchObject({
      role: 'digital-signature',
      keyReference: '9C',
      label: 'Certificate for Digital Signature',
    });
    expect(byId['01']!.fingerprint).toBe(createHash('sha256').update(hsm.certificate('arx-ec', '01')).digest('hex'));
  });

  for (const label of ['arx-ec', 'arx-rsa']) {
    it(`logs in with the ${label} token: proof of possession verified against the certificate, PIN buffer wiped`, async () => {
      const p = pin();
      const session = await service.login(await slotOf(label), p);
      try {
        expect(p.every((b) => b === 0)).toBe(true);
        expect(session.certificate.role).toBe('piv-authentication');
        expect(Buffer.from(session.certificate.der)).toEqual(Buffer.from(hsm.certificate(label, '01')));
      } finally {
        await session.logout();
      }
    });
  }

  it('refuses a wrong PIN with PIN_INCORRECT, without the PIN in the error', async () => {
    const p = pin('999999');
    const err = await failure(service.login(await slotOf('arx-ec'), p));
    expect(err.code).toBe('PIN_INCORRECT');
    expect(err.message).not.toContain('999999');
    expect(JSON.stringify(err.toError())).not.toContain('999999');
    expect(p.every((b) => b === 0)).toBe(true);
  });

  it('refuses a certificate whose key is not the card key (CARD_KEY_MISMATCH)', async () => {
    const err = await failure(service.login(await slotOf('arx-mismatch'), pin()));
    expect(err.code).toBe('CARD_KEY_MISMATCH');
  });

  describe('signDigest with the Digital Signature key (CKA_ALWAYS_AUTHENTICATE)', () => {
    let session: CardSession;
    const message = Buffer.from('in-toto statement bytes');
    const digest = createHash('sha256').update(message).digest();

    for (const label of ['arx-ec', 'arx-rsa']) {
      it(`${label}: context-specific login, signature verified with openssl from the certificate`, async () => {
        session = await service.login(await slotOf(label), pin());
        try {
          // Without the PIN the card refuses: the key needs a context-specific login for each use.
          const refused = await failure(session.signDigest('fidelity certificate', digest, null));
          expect(refused.code).toBe('PIN_INVALID');
          const wrong = await failure(session.signDigest('fidelity certificate', digest, pin('000000')));
          expect(wrong.code).toBe('PIN_INCORRECT');

          const p = pin();
          const sig = await session.signDigest('fidelity certificate', digest, p);
          expect(p.every((b) => b === 0)).toBe(true);
          expect(sig.certificate.role).toBe('digital-signature');
          const dir = hsm.dir;
          const certPem = new X509Certificate(hsm.certificate(label, '02')).publicKey.export({
            type: 'spki',
            format: 'pem',
          });
          writeFileSync(join(dir, 'pub.pem'), certPem);
          writeFileSync(join(dir, 'msg.bin'), message);
          const sigFile = join(dir, 'sig.der');
          const opts = label === 'arx-rsa' ? ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'] : [];
          if (label === 'arx-ec') {
            expect(sig.algorithm).toBe('ECDSA');
            expect(sig.raw.length).toBe(64);
            writeFileSync(sigFile, sig.der!);
          } else {
            expect(sig.algorithm).toBe('RSASSA-PSS');
            writeFileSync(sigFile, sig.raw);
          }
          const verify = (file: string) =>
            execFileSync(
              'openssl',
              ['dgst', '-sha256', '-verify', join(dir, 'pub.pem'), ...opts, '-signature', file, join(dir, 'msg.bin')],
              { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
            );
          expect(verify(sigFile)).toContain('Verified OK');
          // The check can fail: a different message does not verify.
          writeFileSync(join(dir, 'msg.bin'), Buffer.from('another statement'));
          expect(() => verify(sigFile)).toThrow();
        } finally {
          await session.logout();
        }
      });
    }
  });

  it('notices card removal within 2 s (token deleted between polls)', async () => {
    const session = await service.login(await slotOf('arx-removable'), pin());
    // SoftHSM2 has no reader to unplug. Deleting the token (`softhsm2-util --delete-token`, which
    // removes its directory) is the closest: SoftHSM2 keeps the slot in C_GetSlotList and keeps
    // reporting CKF_TOKEN_PRESENT, but C_GetTokenInfo on that slot then fails (CKR_GENERAL_ERROR)
    // and the session sees no objects. The poller treats an unreadable token as removed.
    const removed = new Promise<number>((resolve) => session.once('removed', () => resolve(Date.now())));
    const t0 = Date.now();
    hsm.util(['--delete-token', '--token', 'arx-removable']);
    const at = await Promise.race([
      removed,
      new Promise<number>((_, reject) => setTimeout(() => reject(new Error('not noticed in 2 s')), 2000)),
    ]);
    expect(at - t0).toBeLessThan(2000);
    expect(session.isOpen).toBe(false);
    const err = await failure(session.signDigest('after removal', createHash('sha256').digest(), pin()));
    expect(err.code).toBe('CARD_REMOVED');
  });

  it('a missing module is CARD_MODULE_UNAVAILABLE naming the path tried', async () => {
    const path = join(hsm.dir, 'no-such-pkcs11.so');
    const err = await failure(CardService.open({ modulePath: path }));
    expect(err.code).toBe('CARD_MODULE_UNAVAILABLE');
    expect(err.message).toContain(path);
    // A file that exists but is not a PKCS#11 library.
    const err2 = await failure(CardService.open({ modulePath: hsm.conf }));
    expect(err2.code).toBe('CARD_MODULE_UNAVAILABLE');
    expect(err2.message).toContain(hsm.conf);
  });
});
