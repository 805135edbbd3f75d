import { ed25519 } from '@noble/curves/ed25519.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { concatBytes, fromBase64, toBase64, utf8 } from '../bytes';
import { noteFail, noteOk, type Parsed } from './errors';

/** c2sp.org/signed-note signature type for Ed25519. */
export const ALG_ED25519 = 0x01;

/** Key names: non-empty, no Unicode spaces, no '+' (c2sp.org/signed-note, "Format"). */
export function isValidKeyName(name: string): boolean {
  return name.length > 0 && !/[\s\u0085+]/u.test(name);
}

/**
 * key ID = SHA-256(key name ‖ 0x0A ‖ 0x01 ‖ 32-byte Ed25519 public key)[:4], big-endian uint32
 * (c2sp.org/signed-note, "Ed25519 signatures").
 */
export function ed25519KeyId(name: string, publicKey: Uint8Array): number {
  const h = sha256(concatBytes(utf8(name), Uint8Array.of(0x0a, ALG_ED25519), publicKey));
  return ((h[0]! << 24) | (h[1]! << 16) | (h[2]! << 8) | h[3]!) >>> 0;
}

const hex8 = (id: number) => id.toString(16).padStart(8, '0');

/** Verifies signatures by one key. */
export interface NoteVerifier {
  readonly name: string;
  readonly keyId: number;
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

/** Signs notes with one key (the gateway's checkpoint key, or a test key). */
export interface NoteSigner {
  readonly name: string;
  readonly keyId: number;
  sign(message: Uint8Array): Uint8Array;
}

export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  if (publicKey.length !== 32 || !isUsablePublicKey(publicKey))
    throw new RangeError('not a canonical Ed25519 public key of large order');
  return {
    name,
    keyId: ed25519KeyId(name, publicKey),
    // Strict RFC 8032 (no ZIP-215 leniency), the same acceptance as OpenSSL's Ed25519 verify.
    verify: (message, signature) =>
      signature.length === 64 && ed25519.verify(signature, message, publicKey, { zip215: false }),
  };
}

/** A signer from a 32-byte Ed25519 seed (RFC 8032 secret key). */
export function ed25519Signer(name: string, seed: Uint8Array): NoteSigner & { publicKey: Uint8Array } {
  if (!isValidKeyName(name)) throw new RangeError(`invalid key name ${JSON.stringify(name)}`);
  if (seed.length !== 32) throw new RangeError('an Ed25519 seed is 32 bytes');
  const publicKey = ed25519.getPublicKey(seed);
  return { name, keyId: ed25519KeyId(name, publicKey), publicKey, sign: (message) => ed25519.sign(message, seed) };
}

/** The verifier key text: `<name>+<key ID, 8 hex>+<base64(0x01 ‖ public key)>`. */
export function formatVerifierKey(name: string, publicKey: Uint8Array): string {
  return `${name}+${hex8(ed25519KeyId(name, publicKey))}+${toBase64(concatBytes(Uint8Array.of(ALG_ED25519), publicKey))}`;
}

/** Parses a verifier key strictly, checking that its key ID is the one its name and key give. */
export function parseVerifierKey(text: string): Parsed<NoteVerifier & { publicKey: Uint8Array }> {
  // Names and hashes contain no '+', but the base64 key may: split at the first two only.
  const parts = splitPlus(text, 3);
  if (!parts) return noteFail('KEY_MALFORMED', 'a verifier key is <name>+<hash>+<key>');
  const [name, hash, key] = parts as [string, string, string];
  return parseKeyParts(name, hash, key, 'verifier');
}

/** Signer key text, as Go's golang.org/x/mod/sumdb/note writes it: `PRIVATE+KEY+<name>+<hash>+<base64(0x01 ‖ seed)>`. */
export function formatSignerKey(name: string, seed: Uint8Array): string {
  const s = ed25519Signer(name, seed);
  return `PRIVATE+KEY+${name}+${hex8(s.keyId)}+${toBase64(concatBytes(Uint8Array.of(ALG_ED25519), seed))}`;
}

export function parseSignerKey(text: string): Parsed<NoteSigner & { publicKey: Uint8Array }> {
  const parts = splitPlus(text, 5);
  if (!parts || parts[0] !== 'PRIVATE' || parts[1] !== 'KEY')
    return noteFail('KEY_MALFORMED', 'a signer key is PRIVATE+KEY+<name>+<hash>+<key>');
  const [, , name, hash, key] = parts as [string, string, string, string, string];
  const parsed = parseKeyParts(name, hash, key, 'signer');
  if (!parsed.ok) return parsed;
  return noteOk(ed25519Signer(name, parsed.value.material));
}

/** Splits key text at its first `fields - 1` plus signs (names contain none; base64 may). */
export function splitPlus(text: string, fields: number): string[] | undefined {
  const out: string[] = [];
  let rest = text;
  for (let i = 1; i < fields; i++) {
    const at = rest.indexOf('+');
    if (at < 0) return undefined;
    out.push(rest.slice(0, at));
    rest = rest.slice(at + 1);
  }
  out.push(rest);
  return out;
}

function parseKeyParts(
  name: string,
  hash: string,
  key: string,
  kind: 'verifier',
): Parsed<NoteVerifier & { publicKey: Uint8Array }>;
function parseKeyParts(name: string, hash: string, key: string, kind: 'signer'): Parsed<{ material: Uint8Array }>;
function parseKeyParts(
  name: string,
  hash: string,
  key: string,
  kind: 'verifier' | 'signer',
): Parsed<(NoteVerifier & { publicKey: Uint8Array }) | { material: Uint8Array }> {
  if (!isValidKeyName(name)) return noteFail('KEY_MALFORMED', 'the key name is empty or contains a space or +');
  if (!/^[0-9a-f]{8}$/.test(hash)) return noteFail('KEY_MALFORMED', 'the key hash is not 8 lowercase hex digits');
  const bytes = fromBase64(key);
  if (!bytes || bytes.length === 0) return noteFail('KEY_MALFORMED', 'the key is not base64');
  if (bytes[0] !== ALG_ED25519)
    return noteFail(
      'KEY_UNSUPPORTED_ALGORITHM',
      `signature type 0x${bytes[0]!.toString(16).padStart(2, '0')} is not supported (only Ed25519, 0x01)`,
    );
  if (bytes.length !== 33) return noteFail('KEY_MALFORMED', 'an Ed25519 key is 32 bytes');
  const material = bytes.subarray(1);
  const publicKey = kind === 'verifier' ? material : ed25519.getPublicKey(material);
  if (kind === 'verifier' && !isUsablePublicKey(publicKey))
    return noteFail('KEY_MALFORMED', 'not a canonical Ed25519 public key of large order');
  if (hex8(ed25519KeyId(name, publicKey)) !== hash)
    return noteFail('KEY_HASH_MISMATCH', 'the key hash does not match the name and key');
  return noteOk(kind === 'verifier' ? { ...ed25519Verifier(name, publicKey), publicKey } : { material });
}

/** Canonical encoding (RFC 8032 §5.1.3) and not of small order: such a key "verifies" forgeries. */
export function isUsablePublicKey(publicKey: Uint8Array): boolean {
  if (!ed25519.utils.isValidPublicKey(publicKey, false)) return false;
  try {
    return !ed25519.Point.fromBytes(publicKey, false).isSmallOrder();
  } catch {
    return false;
  }
}
