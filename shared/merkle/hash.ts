import { sha256 } from '@noble/hashes/sha2.js';

/**
 * RFC 9162 §2.1.1 with SHA-256: domain-separated leaf and interior hashes, so that a leaf can
 * never be passed off as an interior node (the second-preimage attack on plain Merkle trees).
 *
 * In the ARX tree, leaf i is the 32-byte chain hash h_i (docs/chain-format.md): the tree commits
 * to the chain, and the chain commits to every event's bytes.
 */
export const HASH_SIZE = 32;
export const LEAF_PREFIX = 0x00;
export const NODE_PREFIX = 0x01;

/** MTH({}) = SHA-256() — the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256(new Uint8Array(0));

/** MTH({d}) = SHA-256(0x00 ‖ d). */
export function leafHash(leaf: Uint8Array): Uint8Array {
  const buf = new Uint8Array(1 + leaf.length);
  buf[0] = LEAF_PREFIX;
  buf.set(leaf, 1);
  return sha256(buf);
}

// One-shot hashing of a reused buffer is ~30% faster than incremental updates, and a 1M-leaf
// root is 2M of these. Safe to share: hashing is synchronous.
const nodeBuf = new Uint8Array(1 + 2 * HASH_SIZE);

/** SHA-256(0x01 ‖ left ‖ right), for two 32-byte hashes. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE)
    throw new RangeError('nodeHash: children must be 32-byte hashes');
  nodeBuf[0] = NODE_PREFIX;
  nodeBuf.set(left, 1);
  nodeBuf.set(right, 1 + HASH_SIZE);
  return sha256(nodeBuf);
}

/**
 * The two hash functions of the tree, so that a caller with a faster SHA-256 (node:crypto in the
 * main process) can supply it. Any implementation must give the same bytes as these defaults.
 */
export interface MerkleHasher {
  leafHash(leaf: Uint8Array): Uint8Array;
  nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array;
}

export const defaultMerkleHasher: MerkleHasher = { leafHash, nodeHash };

/** The largest power of two strictly smaller than n (n > 1): the RFC's split point k. */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}
