/**
 * A card holder's ML-KEM-1024 key (the card cannot hold one): the seed sealed to the card's
 * key-management key (9D) with the classical recipient wrap, so only that card opens it, and the
 * public half for the people who encrypt to them (their certificate and the ML-KEM public key in
 * one PEM file). The sealed seed stays with its holder; it never travels inside a bundle.
 */
import { X509Certificate } from 'node:crypto';
import { z } from 'zod';
import { ArxFailure } from '../../../../shared/contract';
import { decapsulate, generateMlKemKey, mlKemFromSpki, mlKemPublicPem, mlKemSpki } from '../../crypto/hybrid-kem';
import { openWithKey, sealToKey, spkiSha256, type KeyUnwrapper, type PqUnwrapper } from '../../crypto/recipient-wrap';

export const KEM_KEY_FORMAT = 'arx-kem-key/v1';
const INFO = 'arx-kem-key/v1 seed';

const KemKeyFile = z
  .object({
    format: z.literal(KEM_KEY_FORMAT),
    /** SHA-256 of the 9D key's SubjectPublicKeyInfo, hex. */
    recipient: z.string().regex(/^[0-9a-f]{64}$/),
    /** The ML-KEM-1024 SubjectPublicKeyInfo, base64. */
    publicKey: z.string(),
    kind: z.enum(['ec', 'rsa']),
    exchange: z.string(),
    salt: z.string(),
    sealed: z.string(),
  })
  .strict();

const aad = (recipient: string, spki: Buffer) => (exchange: Buffer) =>
  Buffer.concat([Buffer.from(`${INFO}\0${recipient}\0`), spki, exchange]);

/** A new key for the holder of `certificateDer` (9D): the sealed file (JSON) and the public recipient file (PEM). */
export function createKemKey(certificateDer: Uint8Array): { privateFile: string; publicFile: string } {
  const cert = new X509Certificate(certificateDer);
  const recipient = spkiSha256(cert.publicKey);
  const key = generateMlKemKey();
  const spki = mlKemSpki(key.encapsulationKey);
  const s = sealToKey(cert.publicKey, key.seed, { info: INFO, aad: aad(recipient, spki) }, 'an ML-KEM key');
  key.seed.fill(0);
  const file = {
    format: KEM_KEY_FORMAT,
    recipient,
    publicKey: spki.toString('base64'),
    kind: s.kind,
    exchange: s.exchange.toString('base64'),
    salt: s.salt.toString('base64'),
    sealed: s.sealed.toString('base64'),
  };
  return {
    privateFile: JSON.stringify(file, null, 2) + '\n',
    publicFile: cert.toString() + mlKemPublicPem(key.encapsulationKey),
  };
}

/**
 * The ML-KEM half of a card opener: the seed unsealed with the card once, kept in memory for this
 * opening only. PQ_KEY_INVALID for a file that is not one, BUNDLE_KEY_UNWRAP_FAILED for another card's.
 */
export async function openKemKey(content: string, card: KeyUnwrapper & { id: string }): Promise<PqUnwrapper> {
  let f: z.infer<typeof KemKeyFile>;
  try {
    f = KemKeyFile.parse(JSON.parse(content));
  } catch {
    throw new ArxFailure('PQ_KEY_INVALID', `The ML-KEM key file is not an ${KEM_KEY_FORMAT} file.`);
  }
  const spki = Buffer.from(f.publicKey, 'base64');
  const encapsulationKey = mlKemFromSpki(spki);
  if (!encapsulationKey) throw new ArxFailure('PQ_KEY_INVALID', 'The ML-KEM key file holds no ML-KEM-1024 public key.');
  if (f.recipient !== card.id)
    throw new ArxFailure('BUNDLE_KEY_UNWRAP_FAILED', 'The ML-KEM key file is sealed to another card.');
  const seed = await openWithKey(
    {
      kind: f.kind,
      exchange: Buffer.from(f.exchange, 'base64'),
      salt: Buffer.from(f.salt, 'base64'),
      sealed: Buffer.from(f.sealed, 'base64'),
    },
    card,
    { info: INFO, aad: aad(f.recipient, spki), failureCode: 'BUNDLE_KEY_UNWRAP_FAILED' },
  );
  if (!seed || seed.length !== 64 || !Buffer.from(generateMlKemKey(seed).encapsulationKey).equals(encapsulationKey)) {
    seed?.fill(0);
    throw new ArxFailure('BUNDLE_KEY_UNWRAP_FAILED', 'The card does not open the ML-KEM key file.');
  }
  return { encapsulationKey, decapsulate: async (ct) => decapsulate(ct, seed) };
}
