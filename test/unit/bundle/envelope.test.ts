import 'reflect-metadata';
import {
  constants,
  createPrivateKey,
  diffieHellman,
  generateKeyPairSync,
  privateDecrypt,
  webcrypto,
  type KeyObject,
} from 'node:crypto';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as x509 from '@peculiar/x509';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recipientFromFile, recoveryOpener, type EnvelopeOpener } from '../../../electron/main/bundle/envelope/keys';
import { sealBundleFile } from '../../../electron/main/bundle/envelope/seal';
import { verifyPossiblyEncrypted } from '../../../electron/main/bundle/envelope/verify-encrypted';
import { verifyBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import {
  decapsulate,
  generateMlKemKey,
  mlKemPrivatePem,
  mlKemPublicPem,
} from '../../../electron/main/crypto/hybrid-kem';
import { pointToKey, spkiSha256 } from '../../../electron/main/crypto/recipient-wrap';
import type { Blake3 } from '../../../shared/chain';
import { TENANT, chainBundle } from './chain-bundle';

const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };
let dir: string;
let b3: Blake3;
let plain: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-envelope-'));
  b3 = await loadBlake3();
  plain = join(dir, 'plain.arxbundle');
  writeFileSync(plain, chainBundle(b3, 40));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A card's key-management certificate and a software stand-in for its 9D key (the card itself: the integration test). */
async function card(kind: 'p256' | 'p384' | 'rsa', pq = false) {
  const alg =
    kind === 'rsa'
      ? { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256', publicExponent: new Uint8Array([1, 0, 1]), modulusLength: 2048 }
      : { name: 'ECDSA', namedCurve: kind === 'p256' ? 'P-256' : 'P-384', hash: 'SHA-256' };
  const keys = (await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify'])) as webcrypto.CryptoKeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=TEST RECIPIENT',
    notBefore: new Date(Date.now() - 60_000),
    notAfter: new Date(Date.now() + 86_400_000),
    signingAlgorithm: alg,
    keys,
  });
  const privateKey = createPrivateKey({
    key: Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    format: 'der',
    type: 'pkcs8',
  });
  const kem = pq ? generateMlKemKey() : null;
  const file = cert.toString('pem') + '\n' + (kem ? mlKemPublicPem(kem.encapsulationKey) : '');
  const recipient = recipientFromFile(Buffer.from(file), 'cert.pem', 'card');
  const opener = stand_in(privateKey, recipient.publicKey, kem);
  return { recipient, opener, privateKey, kem };
}

function stand_in(privateKey: KeyObject, publicKey: KeyObject, kem: ReturnType<typeof generateMlKemKey> | null) {
  const curve = publicKey.asymmetricKeyDetails?.namedCurve ?? '';
  const o: EnvelopeOpener = {
    role: 'card',
    id: spkiSha256(publicKey),
    kind: publicKey.asymmetricKeyType === 'rsa' ? 'rsa' : 'ec',
    describe: 'card',
    publicKey,
    async deriveSharedSecret(p) {
      return diffieHellman({ privateKey, publicKey: pointToKey(p, curve, 'X') });
    },
    async decryptOaep(c) {
      return privateDecrypt({ key: privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: 'sha1' }, c);
    },
  };
  if (kem) o.pq = { encapsulationKey: kem.encapsulationKey, decapsulate: async (ct) => decapsulate(ct, kem.seed) };
  return o;
}

/** The organisation recovery key: an EC P-384 key with an ML-KEM-1024 key in the same PEM files. */
function recoveryKey(pq = true) {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'secp384r1' });
  const kem = generateMlKemKey();
  const pub =
    (publicKey.export({ type: 'spki', format: 'pem' }) as string) + (pq ? mlKemPublicPem(kem.encapsulationKey) : '');
  const priv = (privateKey.export({ type: 'pkcs8', format: 'pem' }) as string) + (pq ? mlKemPrivatePem(kem.seed) : '');
  return {
    recipient: recipientFromFile(Buffer.from(pub), 'recovery.pub.pem', 'recovery'),
    opener: recoveryOpener(Buffer.from(priv), null, 'recovery.pem'),
    priv,
  };
}

let n = 0;
function seal(recipients: Parameters<typeof sealBundleFile>[2], chunkExponent = 12): string {
  const out = join(dir, `sealed-${n++}.arxbundle`);
  sealBundleFile(plain, out, recipients, chunkExponent);
  return out;
}

const verify = (path: string, openers: EnvelopeOpener[]) =>
  verifyPossiblyEncrypted(path, { trust, blake3: b3 }, { openers: async () => openers });
const code = async (path: string, openers: EnvelopeOpener[]) => (await verify(path, openers)).report.fatal?.code;

function mutate(path: string, f: (b: Buffer) => Buffer): string {
  const out = join(dir, `mutated-${n++}.arxbundle`);
  writeFileSync(out, f(Buffer.from(readFileSync(path))));
  return out;
}

describe('encrypted bundles', () => {
  it('open with the recovery key or a recipient card and verify exactly as the bundle in clear', async () => {
    const clear = await verifyBundle(plain, { trust, blake3: b3 });
    const a = await card('p384', true);
    const b = await card('rsa');
    const rec = recoveryKey();
    const sealed = seal([a.recipient, b.recipient, rec.recipient]);
    for (const by of [a.opener, b.opener, rec.opener]) {
      const { report, envelope } = await verify(sealed, [by]);
      expect(report).toEqual(clear);
      expect(envelope).toEqual({ recipients: 3, openedBy: by.describe, hybrid: by !== b.opener });
    }
    // Nothing decrypted is left behind.
    expect(readdirSync(dir).filter((f) => f.startsWith('arx-open-'))).toEqual([]);
  });

  it('keeps the manifest (and what it marks) inside the ciphertext', async () => {
    const rec = recoveryKey();
    const sealed = readFileSync(seal([rec.recipient]));
    for (const needle of ['manifest.json', TENANT, 'ARX-BUNDLE', 'com.arx.test'])
      expect(sealed.includes(Buffer.from(needle)), needle).toBe(false);
  });

  it('refuses a card that is not a recipient, and an unknown recovery key, each with its own code', async () => {
    const a = await card('p256');
    const other = await card('p256');
    const rec = recoveryKey();
    const sealed = seal([a.recipient, rec.recipient]);
    expect(await code(sealed, [other.opener])).toBe('BUNDLE_WRONG_CARD');
    expect(await code(sealed, [recoveryKey().opener])).toBe('BUNDLE_RECIPIENT_UNKNOWN');
    expect(await code(sealed, [])).toBe('BUNDLE_ENCRYPTED_KEY_REQUIRED');
  });

  it('fails when either half of a hybrid stanza is wrong', async () => {
    const a = await card('p384', true);
    const sealed = seal([a.recipient]);
    // The right classical key with another ML-KEM key.
    const wrongKem = generateMlKemKey();
    const pqWrong = {
      ...a.opener,
      pq: { ...a.opener.pq!, decapsulate: async (ct: Uint8Array) => decapsulate(ct, wrongKem.seed) },
    };
    expect(await code(sealed, [pqWrong])).toBe('BUNDLE_KEY_UNWRAP_FAILED');
    // The right ML-KEM key with another ECDH key under the same recipient id.
    const other = generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey;
    const ecdhWrong = { ...stand_in(other, a.recipient.publicKey, a.kem) };
    expect(await code(sealed, [ecdhWrong])).toBe('BUNDLE_KEY_UNWRAP_FAILED');
    // Without its ML-KEM half the card cannot open a hybrid stanza.
    const classical = { ...a.opener };
    delete classical.pq;
    expect(await code(sealed, [classical])).toBe('BUNDLE_KEY_UNWRAP_FAILED');
    expect((await verify(sealed, [a.opener])).report.fatal).toBeNull();
  });

  it('refuses a flipped ciphertext bit, an altered header, reordered chunks and trailing bytes', async () => {
    const rec = recoveryKey();
    const a = await card('p256');
    const sealed = seal([a.recipient, rec.recipient]);
    const size = readFileSync(sealed).length;
    expect(
      await code(
        mutate(sealed, (b) => ((b[size - 5000]! ^= 0x01), b)),
        [rec.opener],
      ),
    ).toBe('BUNDLE_CIPHERTEXT_TAMPERED');
    // The card's stanza comes first: a bit of its exchange flipped, the recovery key's MAC check sees it.
    expect(
      await code(
        mutate(sealed, (b) => ((b[16 + 4 + 1 + 32 + 8 + 1 + 3 + 32 + 2 + 10]! ^= 1), b)),
        [rec.opener],
      ),
    ).toBe('BUNDLE_ENVELOPE_HEADER_TAMPERED');
    expect(
      await code(
        mutate(sealed, (b) => Buffer.concat([b, Buffer.from([0])])),
        [rec.opener],
      ),
    ).toBe('BUNDLE_ENVELOPE_MALFORMED');
    const chunk = (1 << 12) + 16;
    const swapped = mutate(sealed, (b) => {
      const end = b.length - chunk * 3;
      const x = Buffer.from(b.subarray(end - chunk, end));
      b.copy(b, end - chunk, end, end + chunk);
      x.copy(b, end);
      return b;
    });
    expect(await code(swapped, [rec.opener])).toBe('BUNDLE_CIPHERTEXT_TAMPERED');
  });

  it('verifies while it decrypts, yet a tampered later chunk wins over a fatal finding in an earlier one', async () => {
    const rec = recoveryKey();
    // A bundle whose first member is wrong: reading stops in the first chunk.
    const broken = join(dir, `broken-${n++}.arxbundle`);
    const bytes = Buffer.from(readFileSync(plain));
    bytes.write('NOT-A-BUNDLE', 0, 'latin1');
    writeFileSync(broken, bytes);
    const out = join(dir, `sealed-${n++}.arxbundle`);
    sealBundleFile(broken, out, [rec.recipient], 12);
    const inner = (await verify(out, [rec.opener])).report.fatal?.code;
    // The same fatal code as the bundle in clear.
    expect(inner).toBeDefined();
    expect(inner).toBe((await verifyBundle(broken, { trust, blake3: b3 })).fatal?.code);
    expect(inner).not.toMatch(/ENVELOPE|CIPHERTEXT/);
    const size = readFileSync(out).length;
    expect(
      await code(
        mutate(out, (b) => ((b[size - 100]! ^= 0x01), b)),
        [rec.opener],
      ),
    ).toBe('BUNDLE_CIPHERTEXT_TAMPERED');
  });

  it('refuses a truncated file, inside the header or the payload', async () => {
    const rec = recoveryKey();
    const sealed = seal([rec.recipient]);
    const size = readFileSync(sealed).length;
    for (const at of [18, 200, size - 1, size - ((1 << 12) + 16) * 2])
      expect(
        await code(
          mutate(sealed, (b) => b.subarray(0, at)),
          [rec.opener],
        ),
        `cut at ${at}`,
      ).toBe('BUNDLE_ENVELOPE_TRUNCATED');
  });

  it('opens a classical-only recovery stanza and a one-chunk payload', async () => {
    const rec = recoveryKey(false);
    const sealed = seal([rec.recipient], 20);
    const { report, envelope } = await verify(sealed, [rec.opener]);
    expect(report.fatal).toBeNull();
    expect(envelope).toEqual({ recipients: 1, openedBy: 'recovery key', hybrid: false });
  });
});
