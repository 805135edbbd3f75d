// The console's card service through OpenSC's opensc-pkcs11.so, pcscd and the virtual PIV card:
// login with proof of possession, the 9C signature with its own PIN, ECDH and RSA-OAEP on 9D,
// removal (idle, mid-signature) and re-insertion, and the PIN retry counter.
import {
  X509Certificate,
  constants,
  createECDH,
  createHash,
  createPublicKey,
  publicEncrypt,
  randomBytes,
  verify,
} from 'node:crypto';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CardService, type CardSession } from '../../../electron/main/card/card-service';
import { ArxFailure } from '../../../shared/contract';
import { OPENSC_MODULE, demoCard, startOpenscFixture, type OpenscFixture } from '../../support/virtual-piv/fixture';
import { PivCard } from '../../support/virtual-piv/piv-card';

const run = promisify(execFile);
let fx: OpenscFixture;
let service: CardService;
const pin = (s: string) => new Uint8Array(Buffer.from(s, 'utf8'));

async function failure(p: Promise<unknown>): Promise<ArxFailure> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(ArxFailure);
    return err as ArxFailure;
  }
  throw new Error('expected a failure');
}

beforeAll(async () => {
  fx = await startOpenscFixture([{ label: 'ARX TEST ADAMS EC' }, { label: 'ARX TEST BAKER RSA' }]);
  service = await CardService.open({ modulePath: OPENSC_MODULE, pollIntervalMs: 250 });
}, 240_000);

afterAll(async () => {
  await service?.close();
  await fx?.stack.stop();
});

/** The slot of `reader` once OpenSC shows a token in it (after an insertion, within 5 s). */
async function slotOf(reader: string): Promise<string> {
  for (const deadline = Date.now() + 5000; ;) {
    const slot = (await service.listSlots()).find((s) => s.description === reader && s.token);
    if (slot) return slot.slot;
    if (Date.now() > deadline) throw new Error(`no token in ${reader}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const [READER_A, READER_B] = ['ARX Virtual PIV 00 00', 'ARX Virtual PIV 00 01'];

describe('card service through OpenSC and pcscd', () => {
  it('lists both readers by name, with the token label, serial and PIN state', async () => {
    const slots = await service.listSlots();
    const a = slots.find((s) => s.description === READER_A)!;
    expect(a.token!.label).toBe('ADAMS.ALICE.ANN.1000000001');
    expect(a.token!.serialNumber).toBe(fx.cards[0]!.guid.slice(-16));
    expect(a.pinState!.level).toBe('ok');
    expect(slots.find((s) => s.description === READER_B)!.token!.label).toBe('BAKER.BRUCE.BO.1000000002');
  });

  it("reads the card's identity from the CHUID data object: FASC-N and GUID", async () => {
    for (const [i, reader] of [READER_A, READER_B].entries()) {
      const card = fx.cards[i]!;
      const link = fx.stack.links[i]!;
      const slot = await slotOf(reader);
      const trace: number[] = [];
      const onApdu = (ins: number) => trace.push(ins);
      link.on('apdu', onApdu);
      const identity = await service.readIdentity(slot);
      link.off('apdu', onApdu);
      const g = card.guid;
      expect(identity).toEqual({
        fascn: { agency: '9999', system: '0001', credential: card.person.edipi.slice(-6), pi: card.person.edipi },
        guid: `${g.slice(0, 8)}-${g.slice(8, 12)}-${g.slice(12, 16)}-${g.slice(16, 20)}-${g.slice(20)}`,
      });
      // OpenSC reads the object again (GET DATA) on each read: the console keeps it per card (operator-auth.test.ts).
      expect(trace.length).toBeLessThanOrEqual(2);
    }
  });

  it('maps OpenSC objects to PIV roles and logs in with proof of possession (EC and RSA)', async () => {
    for (const [reader, card] of [
      [READER_A, fx.cards[0]!],
      [READER_B, fx.cards[1]!],
    ] as const) {
      const session = await service.login(await slotOf(reader), pin(card.pin));
      try {
        expect(session.certificate.role).toBe('piv-authentication');
        expect(session.certificate.keyReference).toBe('9A');
        expect(Buffer.from(session.certificate.der)).toEqual(Buffer.from(card.certificates.get(0x9a)!.der));
        expect(session.certificates.map((c) => c.keyReference)).toEqual(['9A', '9C', '9D', '9E']);
      } finally {
        await session.logout();
      }
    }
  });

  it('signs on 9C with a PIN for that signature (VERIFY right before GENERAL AUTHENTICATE)', async () => {
    const link = fx.stack.links[0]!;
    const session = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    try {
      const digest = createHash('sha256').update('policy v7').digest();
      expect(await failure(session.signDigest('policy v7', digest, null))).toMatchObject({ code: 'PIN_INVALID' });
      const trace: number[] = [];
      const onApdu = (ins: number) => trace.push(ins);
      link.on('apdu', onApdu);
      const sig = await session.signDigest('policy v7', digest, pin(fx.cards[0]!.pin));
      link.off('apdu', onApdu);
      expect(trace.slice(-2)).toEqual([0x20, 0x87]);
      const cert = new X509Certificate(fx.cards[0]!.certificates.get(0x9c)!.der);
      expect(sig.certificate.keyReference).toBe('9C');
      expect(verify('sha256', Buffer.from('policy v7'), cert.publicKey, sig.der!)).toBe(true);
      // A second signature needs the PIN again: the card refuses 9C without a fresh VERIFY.
      const again = await session.signDigest('policy v8', digest, pin(fx.cards[0]!.pin));
      expect(verify('sha256', Buffer.from('policy v7'), cert.publicKey, again.der!)).toBe(true);
    } finally {
      await session.logout();
    }
  });

  it('derives the ECDH shared secret on 9D (the raw x-coordinate)', async () => {
    const session = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    try {
      const cardKey = new X509Certificate(fx.cards[0]!.certificates.get(0x9d)!.der).publicKey;
      const eph = createECDH('prime256v1');
      const point = eph.generateKeys();
      const jwk = cardKey.export({ format: 'jwk' });
      const cardPoint = Buffer.concat([
        Buffer.of(4),
        Buffer.from(jwk.x!, 'base64url'),
        Buffer.from(jwk.y!, 'base64url'),
      ]);
      const secret = await session.deriveSharedSecret(new Uint8Array(point));
      expect(Buffer.from(secret)).toEqual(eph.computeSecret(cardPoint));
    } finally {
      await session.logout();
    }
  });

  it('decrypts RSA-OAEP on 9D', async () => {
    const session = await service.login(await slotOf(READER_B), pin(fx.cards[1]!.pin));
    try {
      const cert = new X509Certificate(fx.cards[1]!.certificates.get(0x9d)!.der);
      const key = randomBytes(32);
      const wrapped = publicEncrypt(
        {
          key: createPublicKey(cert.publicKey.export({ type: 'spki', format: 'pem' })),
          oaepHash: 'sha1',
          padding: constants.RSA_PKCS1_OAEP_PADDING,
        },
        key,
      );
      expect(Buffer.from(await session.decryptOaep(new Uint8Array(wrapped)))).toEqual(key);
    } finally {
      await session.logout();
    }
  });

  it('signs and co-signs with two cards in two readers at once; stock openssl checks both', async () => {
    const statement = Buffer.from(JSON.stringify({ _type: 'https://in-toto.io/Statement/v1', policy: 'v9' }));
    const digest = createHash('sha256').update(statement).digest();
    const author = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    const approver = await service.login(await slotOf(READER_B), pin(fx.cards[1]!.pin));
    const dir = mkdtempSync(join(tmpdir(), 'arx-opensc-sig-'));
    try {
      const [a, b] = await Promise.all([
        author.signDigest('policy v9', digest, pin(fx.cards[0]!.pin)),
        approver.signDigest('approve policy v9', digest, pin(fx.cards[1]!.pin)),
      ]);
      expect(a.algorithm).toBe('ECDSA');
      expect(b.algorithm).toBe('RSASSA-PSS');
      writeFileSync(join(dir, 'statement'), statement);
      const check = async (name: string, cardIndex: number, sig: Uint8Array, extra: string[]) => {
        const cert = new X509Certificate(fx.cards[cardIndex]!.certificates.get(0x9c)!.der);
        writeFileSync(join(dir, `${name}.pem`), cert.publicKey.export({ type: 'spki', format: 'pem' }));
        writeFileSync(join(dir, `${name}.sig`), sig);
        const { stdout } = await run('openssl', [
          'dgst',
          '-sha256',
          '-verify',
          join(dir, `${name}.pem`),
          ...extra,
          '-signature',
          join(dir, `${name}.sig`),
          join(dir, 'statement'),
        ]);
        return stdout.trim();
      };
      expect(await check('author', 0, a.der!, [])).toBe('Verified OK');
      const pss = ['-sigopt', 'rsa_padding_mode:pss', '-sigopt', 'rsa_pss_saltlen:32'];
      expect(await check('approver', 1, b.raw, pss)).toBe('Verified OK');
      // The other card's key does not verify: the two signatures are the two people's.
      await expect(check('approver', 1, a.der!, [])).rejects.toThrow();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      await author.logout();
      await approver.logout();
    }
  });

  it('notices a card pulled mid-session within 2 s, and takes it back after re-insertion', async () => {
    const link = fx.stack.links[0]!;
    const session: CardSession = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    const removed = new Promise<number>((resolve) => {
      const t0 = Date.now();
      session.once('removed', () => resolve(Date.now() - t0));
    });
    await link.remove();
    expect(await removed).toBeLessThan(2000);
    expect(session.isOpen).toBe(false);
    await link.insert();
    const again = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    expect(again.isOpen).toBe(true);
    await again.logout();
  });

  it('fails a signature whose card is pulled mid-command with CARD_REMOVED, and the worker lives on', async () => {
    const link = fx.stack.links[0]!;
    const session = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    link.removeOnCommand((apdu) => apdu[1] === 0x87 && apdu[3] === 0x9c);
    const digest = createHash('sha256').update('x').digest();
    const err = await failure(session.signDigest('x', digest, pin(fx.cards[0]!.pin)));
    expect(err.code).toBe('CARD_REMOVED');
    expect(err.message).toContain('nothing was signed');
    expect(session.isOpen).toBe(false);
    await session.logout();
    expect((await service.listSlots()).find((s) => s.description === READER_A)!.token).toBeNull();
    await link.insert();
    const back = await service.login(await slotOf(READER_A), pin(fx.cards[0]!.pin));
    await back.logout();
  });
});

describe('PIN retry counter through OpenSC (a fresh P-384 card in reader 00 01)', () => {
  it('goes from wrong PIN to final try to locked, and is unblocked with the PUK', async () => {
    const link = fx.stack.links[1]!;
    await link.remove();
    const data = await demoCard(fx.pki, 'ARX TEST ADAMS EC', 'ec-p384');
    link.card = new PivCard(data);
    await link.insert();
    const slot = await slotOf(READER_B);
    const ok = await service.login(slot, pin(data.pin));
    expect(new X509Certificate(ok.certificate.der).publicKey.asymmetricKeyDetails?.namedCurve).toBe('secp384r1');
    await ok.logout();

    expect(await failure(service.login(slot, pin('999999')))).toMatchObject({ code: 'PIN_INCORRECT' });
    expect(link.card.pinTriesLeft).toBe(2);
    const state = async () => (await service.listSlots()).find((s) => s.slot === slot)!.pinState!;
    // OpenSC knows the tries left but not the maximum for PIV, so it never sets COUNT_LOW.
    expect((await state()).level).toBe('ok');
    expect(await failure(service.login(slot, pin('999998')))).toMatchObject({ code: 'PIN_INCORRECT' });
    expect((await state()).level).toBe('final-try');
    expect(await failure(service.login(slot, pin(data.pin)))).toMatchObject({ code: 'PIN_FINAL_TRY_UNCONFIRMED' });
    expect(link.card.pinTriesLeft).toBe(1);
    const last = await failure(service.login(slot, pin('999997'), { confirmFinalTry: true }));
    expect(last.code).toMatch(/^PIN_(INCORRECT|LOCKED)$/);
    expect(link.card.pinTriesLeft).toBe(0);
    const locked = await state();
    expect(locked.level).toBe('locked');
    expect(locked.message).toContain('unblocked by the issuing office');
    expect(await failure(service.login(slot, pin(data.pin)))).toMatchObject({ code: 'PIN_LOCKED' });

    // The issuing office's unblock: RESET RETRY COUNTER with the PUK (OpenSC's pkcs15-tool).
    await run('pkcs15-tool', ['--reader', '1', '--unblock-pin', '--puk', data.puk, '--new-pin', '654321']);
    expect(link.card.pinTriesLeft).toBe(3);
    const back = await service.login(await slotOf(READER_B), pin('654321'));
    await back.logout();
  });
});
