/**
 * Envelope encryption of the local cache's values (docs/cache.md).
 *
 * A sealed value ("cell") is
 *
 *   version (1 byte, 0x01) ‖ generation (4 bytes BE) ‖ location tag (16) ‖ nonce (12) ‖ ciphertext ‖ GCM tag (16)
 *
 * AES-256-GCM under the encryption subkey of the data key of that generation; the associated data
 * is the 21-byte header (version, generation, location tag). The location tag is
 * HMAC-SHA-256(location subkey, "table\0row\0column")[0..16]: it binds the value to its table, row
 * and column. Because the tag is authenticated, a failure can be told apart precisely:
 *   - GCM fails                    → CACHE_VALUE_TAMPERED (a bit changed anywhere, header included)
 *   - GCM succeeds, tag ≠ expected → CACHE_VALUE_MISPLACED (an authentic value moved to another row/column)
 *   - unknown version byte         → CACHE_FORMAT_UNSUPPORTED; shorter than a header + tag → CACHE_VALUE_TRUNCATED
 *
 * Nonces are 96 random bits per encryption (never a counter that a crash could rewind). NIST SP
 * 800-38D §8.3 bounds random nonces at 2^32 encryptions per key; the cache counts its encryptions
 * per generation and asks for a rotation long before (local-cache.ts).
 *
 * AEAD: node:crypto (OpenSSL, AES-NI) is the default, chosen by measurement against @noble/ciphers
 * (test/bench/cache.bench.ts prints both; see docs/cache.md for the figures).
 */
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  hkdfSync,
  randomBytes,
  randomFillSync,
  timingSafeEqual,
} from 'node:crypto';
import { gcm } from '@noble/ciphers/aes.js';
import { ArxFailure } from '../../../shared/contract';

export const CELL_VERSION = 1;
const HEADER = 1 + 4 + 16;
const NONCE = 12;
const TAG = 16;

export interface Aead {
  readonly name: string;
  seal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array): Uint8Array;
  /** null when authentication fails */
  open(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Uint8Array | null;
  /** Optional: header ‖ nonce ‖ seal(plaintext, aad = header) in one buffer (saves a copy). */
  sealCell?(key: Uint8Array, header: Buffer, nonce: Buffer, plaintext: Uint8Array): Buffer;
}

/** The tag length pinned at set-up (16 bytes, the only one cells use): node:crypto then skips a
 * per-call tag-length check, ~15% of a 1 KB open (test/bench/cache.bench.ts). */
const GCM_TAG = { authTagLength: TAG } as const;

export const nodeAead: Aead = {
  name: 'node:crypto',
  seal(key, nonce, plaintext, aad) {
    const c = createCipheriv('aes-256-gcm', key, nonce, GCM_TAG);
    c.setAAD(aad);
    const a = c.update(plaintext);
    const b = c.final();
    return Buffer.concat([a, b, c.getAuthTag()]);
  },
  sealCell(key, header, nonce, plaintext) {
    // One copy of the value (into the cell) instead of two (ciphertext, then cell).
    const c = createCipheriv('aes-256-gcm', key, nonce, GCM_TAG);
    c.setAAD(header);
    const a = c.update(plaintext);
    const b = c.final();
    return Buffer.concat(
      [header, nonce, a, b, c.getAuthTag()],
      header.length + nonce.length + a.length + b.length + TAG,
    );
  },
  open(key, nonce, sealed, aad) {
    if (sealed.length < TAG) return null;
    const d = createDecipheriv('aes-256-gcm', key, nonce, GCM_TAG);
    d.setAAD(aad);
    d.setAuthTag(sealed.subarray(sealed.length - TAG));
    try {
      const a = d.update(sealed.subarray(0, sealed.length - TAG));
      const b = d.final(); // empty for GCM: no second copy of the value then
      return b.length === 0 ? a : Buffer.concat([a, b]);
    } catch {
      return null;
    }
  },
};

export const nobleAead: Aead = {
  name: '@noble/ciphers',
  seal: (key, nonce, plaintext, aad) => gcm(key, nonce, aad).encrypt(plaintext),
  open(key, nonce, sealed, aad) {
    try {
      return gcm(key, nonce, aad).decrypt(sealed);
    } catch {
      return null;
    }
  },
};

/**
 * How many location tags and index digests a DataKey remembers (each a deterministic HMAC of its
 * subkey; both are stored in clear in the file anyway: the tag in every cell's header, the digest
 * as the row id). Remembering them saves two HMAC set-ups per repeated read (createHmac costs more
 * than the AES-GCM of a 1 KB value, test/bench/cache.bench.ts). Bounded; first in, first out;
 * emptied by wipe(), i.e. at every lock.
 */
export const DIGEST_MEMO_LIMIT = 8192;

function remember<V>(memo: Map<string, V>, k: string, v: V): V {
  if (memo.size >= DIGEST_MEMO_LIMIT) memo.delete(memo.keys().next().value as string);
  memo.set(k, v);
  return v;
}

/** The subkeys of one data key generation. `wipe()` zero-fills them and the data key. */
export class DataKey {
  readonly enc: Buffer;
  readonly index: Buffer;
  readonly location: Buffer;
  /** table → column → row → tag (no string is built for a lookup; row ids from the digest memo are the same strings, hashes cached). */
  private readonly tags = new Map<string, Map<string, Map<string, Buffer>>>();
  private tagCount = 0;
  private readonly digests = new Map<string, string>();

  constructor(
    readonly generation: number,
    private readonly raw: Buffer,
  ) {
    if (raw.length !== 32) throw new ArxFailure('CACHE_KEY_UNWRAP_FAILED', 'A cache data key must be 256 bits.');
    const sub = (info: string) => Buffer.from(hkdfSync('sha256', raw, Buffer.alloc(0), `arx-cache ${info} v1`, 32));
    this.enc = sub('encryption');
    this.index = sub('index');
    this.location = sub('location');
  }

  static random(generation: number): DataKey {
    return new DataKey(generation, randomBytes(32));
  }

  /** The raw 256-bit key, for wrapping only. */
  bytes(): Buffer {
    return this.raw;
  }

  wipe(): void {
    for (const b of [this.raw, this.enc, this.index, this.location]) b.fill(0);
    this.tags.clear();
    this.tagCount = 0;
    this.digests.clear();
  }

  /** HMAC-SHA-256(K_loc, "table\0row\0column")[0..16], remembered (see DIGEST_MEMO_LIMIT). Do not modify the result. */
  locationTag(table: string, row: string, column: string): Buffer {
    const known = this.tags.get(table)?.get(column)?.get(row);
    if (known) return known;
    const tag = createHmac('sha256', this.location).update(`${table}\0${row}\0${column}`).digest().subarray(0, 16);
    if (this.tagCount >= DIGEST_MEMO_LIMIT) {
      this.tags.clear();
      this.tagCount = 0;
    }
    let columns = this.tags.get(table);
    if (!columns) this.tags.set(table, (columns = new Map()));
    let rows = columns.get(column);
    if (!rows) columns.set(column, (rows = new Map()));
    rows.set(row, tag);
    this.tagCount++;
    return tag;
  }

  /** HMAC-SHA-256(K_index, "domain\0value"), lowercase hex, remembered (see DIGEST_MEMO_LIMIT). */
  indexDigest(domain: string, value: string): string {
    const m = `${domain}\0${value}`;
    return this.digests.get(m) ?? remember(this.digests, m, createHmac('sha256', this.index).update(m).digest('hex'));
  }
}

export interface Location {
  table: string;
  row: string;
  column: string;
}

function locationTag(key: DataKey, loc: Location): Buffer {
  return key.locationTag(loc.table, loc.row, loc.column);
}

/** Keyed digest for a searchable index (HMAC-SHA-256 under the index subkey), lowercase hex. */
export function indexDigest(key: DataKey, domain: string, value: string): string {
  return key.indexDigest(domain, value);
}

/** The generation a sealed cell was made under (to pick the key during a rotation), or null. */
export function cellGeneration(cell: Uint8Array): number | null {
  if (cell.length < HEADER || cell[0] !== CELL_VERSION) return null;
  return Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength).readUInt32BE(1);
}

/**
 * Random nonces are drawn from the CSPRNG in blocks of NONCE_POOL nonces: one call to
 * node:crypto's random source costs as much as the AES-GCM of a 1 KB value whatever the length
 * (test/bench/cache.bench.ts prints it; docs/benchmarks.md). Every nonce is still 96 fresh random bits
 * from the same CSPRNG, each byte of the pool handed out once, and the pool is refilled before any
 * byte could be handed out twice. Nonces are public (they are in the cell): nothing to wipe.
 */
export const NONCE_POOL = 256;
const noncePool = Buffer.alloc(NONCE * NONCE_POOL);
let nonceNext = noncePool.length; // empty: filled on first use

/** A fresh 96-bit random nonce (its own copy, not a view of the pool). */
export function randomNonce(): Buffer {
  if (nonceNext + NONCE > noncePool.length) {
    randomFillSync(noncePool);
    nonceNext = 0;
  }
  const nonce = Buffer.from(noncePool.subarray(nonceNext, nonceNext + NONCE));
  nonceNext += NONCE;
  return nonce;
}

export function seal(key: DataKey, loc: Location, plaintext: Uint8Array, aead: Aead = nodeAead): Buffer {
  const header = Buffer.allocUnsafe(HEADER);
  header[0] = CELL_VERSION;
  header.writeUInt32BE(key.generation, 1);
  locationTag(key, loc).copy(header, 5);
  const nonce = randomNonce();
  if (aead.sealCell) return aead.sealCell(key.enc, header, nonce, plaintext);
  return Buffer.concat([header, nonce, aead.seal(key.enc, nonce, plaintext, header)]);
}

/** The location of a failure, for its details (a copy: the caller's object is not kept). */
function where(loc: Location) {
  return { table: loc.table, row: loc.row, column: loc.column };
}

/** Opens a cell sealed for `loc`; throws the precise CACHE_* code otherwise (see the file comment). */
export function open(
  keys: (generation: number) => DataKey | null,
  loc: Location,
  cell: Uint8Array,
  aead: Aead = nodeAead,
): Buffer {
  if (cell.length < 1)
    throw new ArxFailure(
      'CACHE_VALUE_TRUNCATED',
      `The cached value at ${loc.table}/${loc.column} is empty.`,
      where(loc),
    );
  if (cell[0] !== CELL_VERSION)
    throw new ArxFailure(
      'CACHE_FORMAT_UNSUPPORTED',
      `The cached value at ${loc.table}/${loc.column} has an unknown format version ${cell[0]}.`,
      where(loc),
    );
  if (cell.length < HEADER + NONCE + TAG)
    throw new ArxFailure(
      'CACHE_VALUE_TRUNCATED',
      `The cached value at ${loc.table}/${loc.column} is truncated.`,
      where(loc),
    );
  const buf = Buffer.isBuffer(cell) ? cell : Buffer.from(cell.buffer, cell.byteOffset, cell.byteLength);
  const header = buf.subarray(0, HEADER);
  const key = keys(header.readUInt32BE(1));
  if (!key)
    throw new ArxFailure(
      'CACHE_VALUE_TAMPERED',
      `The cached value at ${loc.table}/${loc.column} names a key generation this cache does not have.`,
      where(loc),
    );
  const plain = aead.open(key.enc, buf.subarray(HEADER, HEADER + NONCE), buf.subarray(HEADER + NONCE), header);
  if (!plain)
    throw new ArxFailure(
      'CACHE_VALUE_TAMPERED',
      `The cached value at ${loc.table}/${loc.column} failed authentication: it was modified.`,
      where(loc),
    );
  if (!timingSafeEqual(header.subarray(5, 21), locationTag(key, loc))) {
    plain.fill(0);
    throw new ArxFailure(
      'CACHE_VALUE_MISPLACED',
      `The cached value at ${loc.table}/${loc.column} belongs to another row or column: it was moved.`,
      where(loc),
    );
  }
  return Buffer.isBuffer(plain) ? plain : Buffer.from(plain.buffer, plain.byteOffset, plain.byteLength);
}
