import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64, toBase64, u64be, utf8 } from '../bytes';
import { isUsablePublicKey, isValidKeyName, parseCheckpoint, splitPlus, type NoteVerifier } from '../checkpoint';
import { witnessFail, witnessOk, type WitnessResult } from './errors';

/** c2sp.org/signed-note signature type 0x04: timestamped Ed25519 checkpoint cosignatures. */
export const ALG_COSIGNATURE_V1 = 0x04;
/** c2sp.org/signed-note type 0x06 (ML-DSA-44 cosignatures): recognised, not yet supported. */
export const ALG_COSIGNATURE_MLDSA44 = 0x06;
/** 8-byte big-endian timestamp ‖ 64-byte Ed25519 signature (tlog-cosignature, "Format"). */
export const COSIGNATURE_V1_BYTES = 72;
const EM_DASH = '\u2014';
/** JavaScript numbers are exact to 2^53; the spec's bound is 2^63 − 1, far beyond any real clock. */
const MAX_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** key ID = SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte Ed25519 public key)[:4], big-endian (tlog-cosignature, "Format"). */
export function cosignatureKeyId(name: string, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, ALG_COSIGNATURE_V1), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

/**
 * The signed message (tlog-cosignature, "Ed25519 signed message"): `cosignature/v1\n`,
 * `time <decimal, no leading zeros>\n`, then the whole checkpoint body with its final newline.
 */
export function cosignatureMessage(checkpointText: string, timestamp: number): Uint8Array {
  if (!isTimestamp(timestamp)) throw new RangeError(`cosignature timestamp out of range: ${timestamp}`);
  if (!checkpointText.endsWith('\n')) throw new RangeError('a checkpoint body ends with a newline');
  return utf8(`cosignature/v1\ntime ${timestamp}\n${checkpointText}`);
}

const isTimestamp = (t: number) => Number.isSafeInteger(t) && t >= 0 && t <= MAX_TIMESTAMP;

/** Splits a cosignature (the bytes after the key ID) into its timestamp and Ed25519 signature. */
export function parseCosignature(blob: Uint8Array): WitnessResult<{ timestamp: number; signature: Uint8Array }> {
  if (blob.length !== COSIGNATURE_V1_BYTES)
    return witnessFail(
      'COSIGNATURE_MALFORMED',
      `a cosignature/v1 is ${COSIGNATURE_V1_BYTES} bytes, not ${blob.length}`,
    );
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const high = view.getUint32(0);
  const timestamp = high * 0x1_0000_0000 + view.getUint32(4);
  if (high >= 0x20_0000 || !isTimestamp(timestamp))
    return witnessFail('COSIGNATURE_MALFORMED', 'the cosignature timestamp is beyond 2^53 - 1');
  return witnessOk({ timestamp, signature: blob.slice(8) });
}

/** A witness key as a verifier: a NoteVerifier whose signatures are cosignature/v1 blobs. */
export interface CosignatureVerifier extends NoteVerifier {
  readonly publicKey: Uint8Array;
  /** The timestamp a blob carries, when it is a well-formed cosignature. */
  timestampOf(blob: Uint8Array): number | undefined;
}

export function cosignatureVerifier(name: string, publicKey: Uint8Array): CosignatureVerifier {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32 || !isUsablePublicKey(publicKey))
    throw new RangeError('not a canonical Ed25519 public key of large order');
  const key = publicKey.slice();
  return {
    name,
    keyId: cosignatureKeyId(name, key),
    publicKey: key,
    timestampOf: (blob) => {
      const p = parseCosignature(blob);
      return p.ok ? p.value.timestamp : undefined;
    },
    verify: (message, blob) => {
      const p = parseCosignature(blob);
      if (!p.ok || message.length === 0 || message[message.length - 1] !== 0x0a) return false;
      const signed = concatBytes(utf8(`cosignature/v1\ntime ${p.value.timestamp}\n`), message);
      // Strict RFC 8032, as for checkpoint signatures: the same acceptance as OpenSSL.
      return ed25519.verify(p.value.signature, signed, key, { zip215: false });
    },
  };
}

/** A witness's signing key. */
export interface Cosigner {
  readonly name: string;
  readonly keyId: number;
  readonly publicKey: Uint8Array;
  /** The note signature line `— <name> base64(key ID ‖ timestamp ‖ signature)\n` over a checkpoint body. */
  cosign(checkpointText: string, timestamp: number): string;
}

/** A cosigner from a 32-byte Ed25519 seed. It refuses to sign anything that is not a checkpoint body. */
export function ed25519Cosigner(name: string, seed: Uint8Array): Cosigner {
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const secret = seed.slice();
  return signingCosigner(name, ed25519.getPublicKey(secret), (m) => ed25519.sign(m, secret));
}

/**
 * A cosigner over an Ed25519 key held elsewhere (e.g. an operator's companion key): `sign` makes a
 * pure Ed25519 signature over the message. It refuses to sign anything that is not a checkpoint body.
 */
export function signingCosigner(
  name: string,
  publicKey: Uint8Array,
  sign: (message: Uint8Array) => Uint8Array,
): Cosigner {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32) throw new RangeError('an Ed25519 public key is 32 bytes');
  const keyId = cosignatureKeyId(name, publicKey);
  return {
    name,
    keyId,
    publicKey,
    cosign(checkpointText, timestamp) {
      if (!parseCheckpoint(checkpointText).ok) throw new RangeError('cosign: not a checkpoint body');
      const signature = sign(cosignatureMessage(checkpointText, timestamp));
      const id = new Uint8Array(4);
      new DataView(id.buffer).setUint32(0, keyId);
      return `${EM_DASH} ${name} ${toBase64(concatBytes(id, u64be(timestamp), signature))}\n`;
    },
  };
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

/** The witness's verifier key (vkey): `<name>+<key ID, 8 hex>+<base64(0x04 ‖ public key)>`. */
export function formatWitnessKey(name: string, publicKey: Uint8Array): string {
  const v = cosignatureVerifier(name, publicKey);
  return `${name}+${hex8(v.keyId)}+${toBase64(concatBytes(Uint8Array.of(ALG_COSIGNATURE_V1), publicKey))}`;
}

/** The witness's signer key, in the form Go's note packages use: `PRIVATE+KEY+<name>+<hash>+<base64(0x04 ‖ seed)>`. */
export function formatWitnessSignerKey(name: string, seed: Uint8Array): string {
  const c = ed25519Cosigner(name, seed);
  return `PRIVATE+KEY+${name}+${hex8(c.keyId)}+${toBase64(concatBytes(Uint8Array.of(ALG_COSIGNATURE_V1), seed))}`;
}

/** Parses a witness vkey strictly: type 0x04, a usable key, and the key ID its name and key give. */
export function parseWitnessKey(text: string): WitnessResult<CosignatureVerifier> {
  const parts = splitPlus(text.trim(), 3);
  if (!parts) return witnessFail('WITNESS_KEY_MALFORMED', 'a witness key is <name>+<hash>+<key>');
  const [name, hash, key] = parts as [string, string, string];
  const material = keyMaterial(name, hash, key);
  if (!material.ok) return material;
  if (!isUsablePublicKey(material.value))
    return witnessFail('WITNESS_KEY_MALFORMED', 'not a canonical Ed25519 public key of large order');
  const verifier = cosignatureVerifier(name, material.value);
  if (hex8(verifier.keyId) !== hash)
    return witnessFail('WITNESS_KEY_HASH_MISMATCH', 'the key hash does not match the name and key');
  return witnessOk(verifier);
}

export function parseWitnessSignerKey(text: string): WitnessResult<Cosigner> {
  const parts = splitPlus(text.trim(), 5);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY')
    return witnessFail('WITNESS_KEY_MALFORMED', 'a witness signer key is PRIVATE+KEY+<name>+<hash>+<key>');
  const [, , name, hash, key] = parts as [string, string, string, string, string];
  const material = keyMaterial(name, hash, key);
  if (!material.ok) return material;
  const cosigner = ed25519Cosigner(name, material.value);
  if (hex8(cosigner.keyId) !== hash)
    return witnessFail('WITNESS_KEY_HASH_MISMATCH', 'the key hash does not match the name and key');
  return witnessOk(cosigner);
}

function keyMaterial(name: string, hash: string, key: string): WitnessResult<Uint8Array> {
  if (!isValidKeyName(name)) return witnessFail('WITNESS_KEY_MALFORMED', 'the key name is empty or has a space or +');
  if (!/^[0-9a-f]{8}$/.test(hash)) return witnessFail('WITNESS_KEY_MALFORMED', 'the key hash is not 8 lowercase hex');
  const bytes = fromBase64(key);
  if (!bytes || bytes.length === 0) return witnessFail('WITNESS_KEY_MALFORMED', 'the key is not base64');
  if (bytes[0] !== ALG_COSIGNATURE_V1) {
    const type = `0x${bytes[0]!.toString(16).padStart(2, '0')}`;
    return witnessFail(
      'WITNESS_KEY_UNSUPPORTED_ALGORITHM',
      `signature type ${type} is not a cosignature/v1 key (0x04)${bytes[0] === 0x01 ? ': a plain Ed25519 note key' : ''}`,
      { type },
    );
  }
  if (bytes.length !== 33) return witnessFail('WITNESS_KEY_MALFORMED', 'an Ed25519 key is 32 bytes');
  return witnessOk(bytes.slice(1));
}
