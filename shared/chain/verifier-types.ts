import type { FrontierState, MerkleHasher } from '../merkle';
import type { Blake3 } from './blake3';
import type { ChainIssue } from './issues';

/** One stored audit row, as read from the database or a bundle. */
export interface ChainRow {
  seq: number;
  /** The exact stored event bytes. */
  bytes: Uint8Array;
  /** The stored event digest d_seq. */
  digest: Uint8Array;
  /** The stored chain hash h_seq. */
  hash: Uint8Array;
  /** d over `bytes` if a worker already computed it; otherwise the verifier computes it. */
  computedDigest?: Uint8Array;
  /**
   * chainLink(seq, prev, computedDigest) if a worker already computed it, with `prev` the very
   * object passed as the previous row's `hash` (compared by identity). The verifier uses it only
   * when it would compute exactly that link (the chain is in step at this row); anything else
   * (a break, a renumbering, a mismatching digest) falls back to computing links itself.
   */
  computedLink?: { seq: number; prev: Uint8Array; hash: Uint8Array };
  /** RFC 9162 leaf hash of `hash` (SHA-256(0x00 ‖ hash)) if a worker already computed it. */
  leafHash?: Uint8Array;
}

/** A chain hash the caller trusts, e.g. the `arx-head` of a verified checkpoint of size seq+1. */
export interface ChainAnchor {
  seq: number;
  hash: Uint8Array;
}

/**
 * Where verification starts: a tenant's whole chain (seq 0, after the genesis hash), or a segment
 * after a known row. A segment can carry the Merkle frontier of the tree before it (its size is
 * `seq`), so that checkpoint roots can still be checked.
 */
export type ChainStart = { tenantId: string } | { seq: number; prevHash: Uint8Array; frontier?: FrontierState };

/**
 * What a verified checkpoint (shared/checkpoint, openArxCheckpoint) claims about the chain: the
 * chain has at least `size` events, h_(size-1) is `head`, and the RFC 9162 root over h_0..h_(size-1)
 * is `root`. The verifier checks the head like an anchor and recomputes the root.
 */
export interface ChainCheckpoint {
  size: number;
  root: Uint8Array;
  head: Uint8Array;
}

export interface ChainVerifierOptions {
  /** Where the rows start: the whole chain of a tenant (seq 0, genesis), or a segment. */
  start: ChainStart;
  blake3?: Blake3;
  /**
   * Trusted chain hashes (from verified checkpoints). A rewritten stretch of the chain links
   * perfectly from row to row; only an anchor exposes it. Giving anchors (even none) also turns on
   * the TAIL_NOT_CHECKPOINTED warning and the CHAIN_TRUNCATED check.
   */
  anchors?: readonly ChainAnchor[];
  /** Verified checkpoints: their heads become anchors, and their roots are recomputed from the rows. */
  checkpoints?: readonly ChainCheckpoint[];
  /** How many recent rows are searched to re-attach the chain after a break. */
  lookback?: number;
  /** Issues kept in the report; the rest are only counted (a wholly rewritten chain is one story). */
  maxIssues?: number;
  /** SHA-256 for the Merkle tree over the stored hashes (default: @noble/hashes). */
  merkleHasher?: MerkleHasher;
}

export interface ChainReport {
  /** True when there is no error; warnings alone do not fail a verification. */
  ok: boolean;
  rows: number;
  /** The chain position after the last row (the tree size a checkpoint over these rows would have). */
  size: number;
  /** The stored hash of the last row on the chain (G when there are no rows). */
  head: Uint8Array;
  errors: ChainIssue[];
  warnings: ChainIssue[];
  /** Issues beyond maxIssues, counted but not listed. */
  omitted: number;
}
