/**
 * The envelope's header, byte for byte (docs/bundle-format.md, "Encrypted bundles"):
 *
 *   file   = magic(16) ‖ u32be(H) ‖ header(H) ‖ HMAC-SHA-256(K_header, magic ‖ u32be(H) ‖ header) ‖ chunks
 *   header = u8 chunkExponent ‖ payloadSalt(32) ‖ u64be(plainLength) ‖ u8 n ‖ stanza × n
 *   stanza = u8 type ‖ u8 flags ‖ u8 role ‖ recipient(32) ‖ u16be(L) ‖ exchange(L)
 *            ‖ [ML-KEM-1024 ciphertext(1568) when flags & 1] ‖ salt(32) ‖ wrapped(60)
 */
import {
  ENVELOPE_LIMITS,
  ENVELOPE_MAGIC,
  STANZA_FLAG_HYBRID,
  STANZA_ROLES,
  STANZA_TYPES,
  type EnvelopeFatalCode,
} from '../../../../shared/bundle';
import { ML_KEM_1024 } from '../../crypto/hybrid-kem';

export type StanzaType = keyof typeof STANZA_TYPES;
export type StanzaRole = keyof typeof STANZA_ROLES;

export interface Stanza {
  type: StanzaType;
  role: StanzaRole;
  /** SHA-256 of the recipient's classical SubjectPublicKeyInfo (DER). */
  recipient: Buffer;
  /** EC: the ephemeral point (uncompressed). RSA: the OAEP ciphertext. */
  exchange: Buffer;
  pqCiphertext: Buffer | null;
  salt: Buffer;
  /** nonce(12) ‖ AES-256-GCM(file key) ‖ tag(16) */
  wrapped: Buffer;
}

export interface EnvelopeHeader {
  chunkExponent: number;
  payloadSalt: Buffer;
  /** The bundle's length in bytes: how long the payload must be. */
  plainLength: number;
  stanzas: Stanza[];
}

export const MAGIC = Buffer.from(ENVELOPE_MAGIC, 'latin1');
export const WRAPPED_BYTES = 12 + 32 + 16;
export const MAC_BYTES = 32;
export const TAG_BYTES = 16;

const typeName = (v: number) => (Object.keys(STANZA_TYPES) as StanzaType[]).find((k) => STANZA_TYPES[k] === v);
const roleName = (v: number) => (Object.keys(STANZA_ROLES) as StanzaRole[]).find((k) => STANZA_ROLES[k] === v);

/** The bytes one stanza is bound to in its wrap's AAD: everything before its salt. */
export function stanzaPrefix(s: Omit<Stanza, 'salt' | 'wrapped' | 'pqCiphertext'> & { hybrid: boolean }): Buffer {
  const len = Buffer.alloc(2);
  len.writeUInt16BE(s.exchange.length);
  return Buffer.concat([
    Buffer.from([STANZA_TYPES[s.type], s.hybrid ? STANZA_FLAG_HYBRID : 0, STANZA_ROLES[s.role]]),
    s.recipient,
    len,
    s.exchange,
  ]);
}

export function encodeHeader(h: EnvelopeHeader): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64BE(BigInt(h.plainLength));
  const parts: Buffer[] = [Buffer.from([h.chunkExponent]), h.payloadSalt, len, Buffer.from([h.stanzas.length])];
  for (const s of h.stanzas) {
    parts.push(stanzaPrefix({ ...s, hybrid: s.pqCiphertext !== null }));
    if (s.pqCiphertext) parts.push(s.pqCiphertext);
    parts.push(s.salt, s.wrapped);
  }
  return Buffer.concat(parts);
}

/** The file's first bytes up to the MAC: magic ‖ u32be(H) ‖ header. */
export function headerPreamble(header: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(header.length);
  return Buffer.concat([MAGIC, len, header]);
}

/** Why an encrypted bundle cannot be opened: a stable code, a message, where. */
export class EnvelopeFatal extends Error {
  constructor(
    readonly code: EnvelopeFatalCode,
    message: string,
    readonly location: Record<string, string | number> = {},
  ) {
    super(message);
  }
}

const malformed = (message: string, offset: number) =>
  new EnvelopeFatal('BUNDLE_ENVELOPE_MALFORMED', `the encrypted envelope's header ${message}`, { offset });

/** Parses header bytes (offsets in messages are from the start of the file). */
export function parseHeader(b: Buffer): EnvelopeHeader {
  const base = MAGIC.length + 4;
  let at = 0;
  const take = (n: number, what: string) => {
    if (at + n > b.length) throw malformed(`ends inside ${what}`, base + at);
    const out = b.subarray(at, at + n);
    at += n;
    return out;
  };
  const chunkExponent = take(1, 'the chunk size')[0]!;
  if (chunkExponent < ENVELOPE_LIMITS.minChunkExponent || chunkExponent > ENVELOPE_LIMITS.maxChunkExponent)
    throw malformed(`gives a chunk size of 2^${chunkExponent} bytes`, base);
  const payloadSalt = take(32, 'the payload salt');
  const plainLength = take(8, 'the payload length').readBigUInt64BE(0);
  if (plainLength > BigInt(Number.MAX_SAFE_INTEGER)) throw malformed('gives an impossible payload length', base + 33);
  const n = take(1, 'the stanza count')[0]!;
  if (n === 0 || n > ENVELOPE_LIMITS.maxStanzas) throw malformed(`lists ${n} recipients`, base + at - 1);
  const stanzas: Stanza[] = [];
  for (let i = 0; i < n; i++) {
    const start = at;
    const [t, flags, r] = take(3, `stanza ${i}`);
    const type = typeName(t!);
    const role = roleName(r!);
    if (!type || !role || (flags! & ~STANZA_FLAG_HYBRID) !== 0)
      throw malformed(`has stanza ${i} of an unknown type, role or flag`, base + start);
    const recipient = take(32, `stanza ${i}`);
    const exchange = take(take(2, `stanza ${i}`).readUInt16BE(0), `stanza ${i}`);
    const pqCiphertext = flags! & STANZA_FLAG_HYBRID ? take(ML_KEM_1024.ciphertextBytes, `stanza ${i}`) : null;
    stanzas.push({
      type,
      role,
      recipient,
      exchange,
      pqCiphertext,
      salt: take(32, `stanza ${i}`),
      wrapped: take(WRAPPED_BYTES, `stanza ${i}`),
    });
  }
  if (at !== b.length) throw malformed('has bytes after its last stanza', base + at);
  return { chunkExponent, payloadSalt, plainLength: Number(plainLength), stanzas };
}

/** Chunk i's nonce: u88be(i) ‖ u8(last) (the STREAM construction, as in age). */
export function chunkNonce(i: number, last: boolean): Buffer {
  const n = Buffer.alloc(12);
  n.writeUIntBE(i, 5, 6);
  n[11] = last ? 1 : 0;
  return n;
}

/** The payload's length in bytes for a bundle of `plainLength` bytes: every chunk carries a tag; an empty bundle is one empty chunk. */
export function payloadLength(plainLength: number, chunkExponent: number): number {
  const chunks = Math.max(1, Math.ceil(plainLength / 2 ** chunkExponent));
  return plainLength + chunks * TAG_BYTES;
}
