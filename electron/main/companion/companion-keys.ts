/**
 * An operator's companion keys in memory (docs/companion-keys.md): Ed25519 (witness cosignatures)
 * and ML-DSA-87 (FIPS 204, the post-quantum signature on artefacts), both derived from one 64-byte
 * seed — Ed25519 secret key = seed[0..32], ML-DSA-87 = ML-DSA.KeyGen(ξ = seed[32..64]) — and that
 * seed sealed to the operator's card Key Management key (9D) with the wrap the cache uses
 * (crypto/recipient-wrap.ts): ECDH on the card (EC) or RSA-OAEP (RSA), HKDF-SHA-256, AES-256-GCM.
 */
import { randomBytes, type KeyObject } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { ml_dsa87 } from '@noble/post-quantum/ml-dsa.js';
import { ArxFailure } from '../../../shared/contract';
import { companionKeyId } from '../../../shared/companion';
import { openWithKey, sealToKey, type KeyUnwrapper, type SealedSecret } from '../crypto/recipient-wrap';

export const SEED_BYTES = 64;
const INFO = 'arx companion key wrap v1';

/** What a wrap is bound to (its AEAD's associated data): the operator and the key id. */
export interface WrapBinding {
  operatorId: string;
  keyId: string;
}

/** A wrap as it is stored (arx.companion_keys.wrap): base64 fields. */
export interface StoredWrap {
  v: 1;
  kind: 'ec' | 'rsa';
  exchange: string;
  salt: string;
  sealed: string;
  pqCiphertext?: string;
}

const aad = (b: WrapBinding, exchange: Buffer) =>
  Buffer.concat([Buffer.from(`${INFO}\0${b.operatorId}\0${b.keyId}\0`), exchange]);

/** The two key pairs of a seed, held until `wipe()`. Signing after a wipe fails with COMPANION_KEY_LOCKED. */
export class CompanionKeys {
  readonly ed25519Public: Uint8Array;
  readonly mlDsa87Public: Uint8Array;
  readonly keyId: string;
  private edSecret: Uint8Array | null;
  private mlDsaSecret: Uint8Array | null;

  constructor(seed: Uint8Array) {
    if (seed.length !== SEED_BYTES)
      throw new ArxFailure('COMPANION_KEY_UNWRAP_FAILED', 'A companion seed is 64 bytes.');
    this.edSecret = Uint8Array.from(seed.subarray(0, 32));
    const kp = ml_dsa87.keygen(seed.subarray(32, 64));
    this.mlDsaSecret = kp.secretKey;
    this.mlDsa87Public = kp.publicKey;
    this.ed25519Public = ed25519.getPublicKey(this.edSecret);
    this.keyId = companionKeyId(this.ed25519Public, this.mlDsa87Public);
  }

  get held(): boolean {
    return this.edSecret !== null && this.mlDsaSecret !== null;
  }

  /** Pure ML-DSA-87 (FIPS 204 §5.2, empty context, hedged) over `message`. */
  signMlDsa87(message: Uint8Array): Uint8Array {
    if (!this.mlDsaSecret) throw locked();
    return ml_dsa87.sign(message, this.mlDsaSecret);
  }

  /** Ed25519 (RFC 8032) over `message`. */
  signEd25519(message: Uint8Array): Uint8Array {
    if (!this.edSecret) throw locked();
    return ed25519.sign(message, this.edSecret);
  }

  /** Zero-fills both secret keys and drops them. */
  wipe(): void {
    this.edSecret?.fill(0);
    this.mlDsaSecret?.fill(0);
    this.edSecret = null;
    this.mlDsaSecret = null;
  }
}

const locked = () =>
  new ArxFailure('COMPANION_KEY_LOCKED', 'The companion key is not unlocked: log in with your card to use it.');

/** A fresh seed (64 random bytes); the caller zero-fills it once wrapped. */
export const newSeed = (): Buffer => randomBytes(SEED_BYTES);

/** Seals the seed to the card's Key Management public key (only the public key is needed). */
export function wrapSeed(seed: Uint8Array, keyManagement: KeyObject, binding: WrapBinding): StoredWrap {
  const s = sealToKey(keyManagement, seed, { info: INFO, aad: (x) => aad(binding, x) }, 'a companion key');
  return {
    v: 1,
    kind: s.kind,
    exchange: s.exchange.toString('base64'),
    salt: s.salt.toString('base64'),
    sealed: s.sealed.toString('base64'),
    ...(s.pqCiphertext ? { pqCiphertext: s.pqCiphertext.toString('base64') } : {}),
  };
}

/**
 * Opens a wrap with the card and checks that the seed gives the key `binding.keyId` names:
 * COMPANION_KEY_UNWRAP_FAILED otherwise (another card, another operator's wrap, a swapped row).
 */
export async function unwrapSeed(w: StoredWrap, by: KeyUnwrapper, binding: WrapBinding): Promise<CompanionKeys> {
  const seed = await openSeed(w, by, binding);
  try {
    const keys = new CompanionKeys(seed);
    if (keys.keyId !== binding.keyId) {
      keys.wipe();
      throw new ArxFailure('COMPANION_KEY_UNWRAP_FAILED', 'The wrap holds another key than the one attested.', {
        keyId: binding.keyId,
      });
    }
    return keys;
  } finally {
    seed.fill(0);
  }
}

/** The 64-byte seed a wrap holds, opened with the card (the caller zero-fills it). */
export async function openSeed(w: StoredWrap, by: KeyUnwrapper, binding: WrapBinding): Promise<Buffer> {
  const sealed: SealedSecret = {
    kind: w.kind,
    exchange: Buffer.from(w.exchange, 'base64'),
    salt: Buffer.from(w.salt, 'base64'),
    sealed: Buffer.from(w.sealed, 'base64'),
    ...(w.pqCiphertext ? { pqCiphertext: Buffer.from(w.pqCiphertext, 'base64') } : {}),
  };
  const seed = await openWithKey(sealed, by, {
    info: INFO,
    aad: (x) => aad(binding, x),
    failureCode: 'COMPANION_KEY_UNWRAP_FAILED',
  });
  if (!seed || seed.length !== SEED_BYTES) {
    seed?.fill(0);
    throw new ArxFailure('COMPANION_KEY_UNWRAP_FAILED', `The ${by.describe} does not open this companion key.`, {
      keyId: binding.keyId,
    });
  }
  return seed;
}

/** Verifies a pure ML-DSA-87 signature (empty context); never throws. */
export function verifyMlDsa87(publicKey: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  try {
    return ml_dsa87.verify(signature, message, publicKey);
  } catch {
    return false;
  }
}
