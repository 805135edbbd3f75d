import { concatBytes, u64be, utf8 } from '../bytes';
import type { Blake3 } from './blake3';
import { isUuid } from '../ids';

/**
 * The audit chain's hash format, v1. Normative text and worked examples: docs/chain-format.md.
 *
 *   G      = BLAKE3("arx/genesis/v1" ‖ tenantId)               tenant-bound start of the chain
 *   d_i    = BLAKE3("arx/event/v1"   ‖ bytes_i)                any order, any worker
 *   h_i    = BLAKE3("arx/chain/v1"   ‖ u64be(i) ‖ h_{i-1} ‖ d_i)   with h_{-1} = G; seq starts at 0
 *
 * Tags are plain ASCII with no length prefix and no terminator, so that `printf` and `b3sum` alone
 * recompute every value. That is unambiguous because the tags form a prefix-free set (none is a
 * prefix of another: checked by a test), each preimage starts with exactly one tag, and the chain
 * preimage has a fixed length (12 + 8 + 32 + 32 = 84 bytes). A new tag must keep the set prefix-free.
 */
export const DOMAIN_TAGS = {
  genesis: 'arx/genesis/v1',
  event: 'arx/event/v1',
  chain: 'arx/chain/v1',
} as const;

const GENESIS_TAG = utf8(DOMAIN_TAGS.genesis);
const EVENT_TAG = utf8(DOMAIN_TAGS.event);
const CHAIN_TAG = utf8(DOMAIN_TAGS.chain);

export const HASH_LEN = 32;
export const LINK_PREIMAGE_LEN = CHAIN_TAG.length + 8 + HASH_LEN + HASH_LEN;

/**
 * Tenant ids are the lowercase, hyphenated UUID text (36 ASCII bytes) as PostgreSQL prints a
 * `uuid`. One spelling only: an uppercase id would silently give another genesis and another chain.
 */

export function isTenantId(value: string): boolean {
  return isUuid(value);
}

function checkTenantId(tenantId: string): void {
  if (!isTenantId(tenantId))
    throw new RangeError(`tenant id must be a lowercase hyphenated UUID, got ${JSON.stringify(tenantId)}`);
}

/** "arx/genesis/v1" ‖ tenantId — the bytes that `b3sum` hashes to G. */
export function genesisPreimage(tenantId: string): Uint8Array {
  checkTenantId(tenantId);
  return concatBytes(GENESIS_TAG, utf8(tenantId));
}

/**
 * G: the predecessor of seq 0. Binding the tenant here makes every h_i depend on the tenant, so
 * an event row copied from another tenant's chain (even one with identical bytes at the same seq)
 * never verifies.
 */
export function genesisHash(b3: Blake3, tenantId: string): Uint8Array {
  return b3.hash(genesisPreimage(tenantId));
}

/** "arx/event/v1" ‖ bytes — for documentation and tests; eventDigest avoids the copy. */
export function eventPreimage(eventBytes: Uint8Array): Uint8Array {
  return concatBytes(EVENT_TAG, eventBytes);
}

/** d_i over the exact stored bytes, never over a re-serialization (DESIGN.md, "Data formats"). */
export function eventDigest(b3: Blake3, eventBytes: Uint8Array): Uint8Array {
  return b3.hashParts([EVENT_TAG, eventBytes]);
}

/** "arx/chain/v1" ‖ u64be(seq) ‖ prev ‖ digest: 84 bytes. */
export function linkPreimage(seq: number, prev: Uint8Array, digest: Uint8Array): Uint8Array {
  if (prev.length !== HASH_LEN || digest.length !== HASH_LEN)
    throw new RangeError('linkPreimage: prev and digest must be 32 bytes');
  return concatBytes(CHAIN_TAG, u64be(seq), prev, digest);
}

// The link is hashed once or more per row: one reused buffer instead of four allocations.
// Safe to share because hashing is synchronous and every implementation copies its input.
const linkScratch = new Uint8Array(LINK_PREIMAGE_LEN);
linkScratch.set(CHAIN_TAG, 0);
const linkView = new DataView(linkScratch.buffer);

/** h_i: the cheap sequential step, BLAKE3 of linkPreimage(seq, prev, digest). */
export function chainLink(b3: Blake3, seq: number, prev: Uint8Array, digest: Uint8Array): Uint8Array {
  if (prev.length !== HASH_LEN || digest.length !== HASH_LEN)
    throw new RangeError('chainLink: prev and digest must be 32 bytes');
  if (!Number.isSafeInteger(seq) || seq < 0)
    throw new RangeError(`chainLink: seq ${seq} is not a non-negative safe integer`);
  linkView.setUint32(12, Math.floor(seq / 0x1_0000_0000));
  linkView.setUint32(16, seq >>> 0);
  linkScratch.set(prev, 20);
  linkScratch.set(digest, 52);
  return b3.hash(linkScratch);
}

/** One computed chain row. */
export interface ChainEntry {
  seq: number;
  digest: Uint8Array;
  hash: Uint8Array;
}

/**
 * The writer's side: folds events into the chain in order. Used by the gateway simulator and the
 * tests; the verifier recomputes the same values independently.
 */
export class ChainBuilder {
  private nextSeq: number;
  private prev: Uint8Array;

  constructor(
    private readonly b3: Blake3,
    start: { tenantId: string } | { seq: number; prevHash: Uint8Array },
  ) {
    if ('tenantId' in start) {
      this.nextSeq = 0;
      this.prev = genesisHash(b3, start.tenantId);
    } else {
      if (!Number.isSafeInteger(start.seq) || start.seq < 0 || start.prevHash.length !== HASH_LEN)
        throw new RangeError('ChainBuilder: start needs a seq >= 0 and a 32-byte prevHash');
      this.nextSeq = start.seq;
      this.prev = start.prevHash;
    }
  }

  /** The hash a new checkpoint's `arx-head` line carries: h_{size-1}, or G for an empty chain. */
  get head(): { size: number; hash: Uint8Array } {
    return { size: this.nextSeq, hash: this.prev };
  }

  append(eventBytes: Uint8Array): ChainEntry {
    return this.appendDigest(eventDigest(this.b3, eventBytes));
  }

  /** For digests computed elsewhere (worker threads): only the link is sequential. */
  appendDigest(digest: Uint8Array): ChainEntry {
    const seq = this.nextSeq;
    const hash = chainLink(this.b3, seq, this.prev, digest);
    this.prev = hash;
    this.nextSeq = seq + 1;
    return { seq, digest, hash };
  }
}
