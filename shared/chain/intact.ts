import { HASH_LEN } from './format';
import type { ChainAnchor } from './verifier';

/** The chain link hash, computed from bytes where they lie (electron/main/crypto/hash-kernel.ts). */
export interface LinkHasher {
  /** h = chainLink(seq, prev[prevAt, prevAt+32), digest[digestAt, digestAt+32)) into the hasher's output. */
  chainLinkAt(seq: number, prev: Uint8Array, prevAt: number, digest: Uint8Array, digestAt: number): void;
  /** Whether the last output equals buf[at, at+32). */
  outEquals(buf: Uint8Array, at: number): boolean;
}

export interface IntactChainOptions {
  /** The seq of the first row, and the chain hash before it (the genesis hash G for seq 0). */
  start: { seq: number; prevHash: Uint8Array };
  /** Trusted chain hashes (verified checkpoint heads): the stored hash at each seq must equal them. */
  anchors: readonly ChainAnchor[];
  hasher: LinkHasher;
}

/**
 * The chain check of rows that are expected to be intact (a bundle's events.bin as exported), with
 * nothing allocated per row: each row's seq is the next one, its stored hash is the link from the
 * previous row's stored hash and its stored digest, and anchors match. The digests themselves are
 * checked elsewhere (the bundle's hash worker compares every d_i with the bytes).
 *
 * It classifies nothing: at the first row that is not what ChainVerifier accepts without an issue,
 * `row` returns false and the caller runs ChainVerifier over the whole stream instead, which finds
 * and classifies every issue. When every row was accepted and `finish().ok`, ChainVerifier (with
 * the same start and anchors, no checkpoints, the stored digests taken as computed) reports no error
 * either; test/unit/chain/intact.test.ts checks both directions on intact and tampered chains.
 *
 * Why by hand next to ChainVerifier: ChainVerifier keeps a window of recent rows, objects and
 * views per row to re-attach the chain after a break; on a 1M-event bundle that bookkeeping cost
 * more than the hashing. This is only the question "is everything intact?", asked cheaply.
 */
export class IntactChain {
  private readonly hasher: LinkHasher;
  /** The previous row's stored hash (a copy: the row it came from may be in a buffer reused since). */
  private readonly prev = new Uint8Array(HASH_LEN);
  private nextSeq: number;
  private readonly anchorSeqs: number[];
  private readonly anchorHashes: Uint8Array[];
  private anchorAt = 0;
  private readonly lastAnchorSeq: number;
  private rows = 0;
  private failed = false;

  constructor(options: IntactChainOptions) {
    const { seq, prevHash } = options.start;
    if (!Number.isSafeInteger(seq) || seq < 0 || prevHash.length !== HASH_LEN)
      throw new RangeError('IntactChain: start needs a seq >= 0 and a 32-byte prevHash');
    this.hasher = options.hasher;
    this.prev.set(prevHash);
    this.nextSeq = seq;
    // Anchors before the start are never reached by a row (as in ChainVerifier); conflicting anchors
    // for one seq cannot both hold: the row then fails on the one it is compared with first.
    const sorted = options.anchors.filter((a) => a.seq >= seq).sort((a, b) => a.seq - b.seq);
    this.anchorSeqs = sorted.map((a) => a.seq);
    this.anchorHashes = sorted.map((a) => a.hash);
    this.lastAnchorSeq = options.anchors.reduce((m, a) => Math.max(m, a.seq), seq - 1);
  }

  /**
   * One row: its seq, and where its stored digest and stored hash are (32 bytes each, in `buf`).
   * Returns false (for good) when the row is not exactly the next intact one.
   */
  row(seq: number, buf: Uint8Array, digestAt: number, hashAt: number): boolean {
    if (this.failed) return false;
    if (seq !== this.nextSeq) return this.fail();
    const h = this.hasher;
    const prev = this.prev;
    h.chainLinkAt(seq, prev, 0, buf, digestAt);
    if (!h.outEquals(buf, hashAt)) return this.fail();
    while (this.anchorAt < this.anchorSeqs.length && this.anchorSeqs[this.anchorAt]! === seq) {
      const a = this.anchorHashes[this.anchorAt++]!;
      if (a.length !== HASH_LEN) return this.fail();
      for (let i = 0; i < HASH_LEN; i++) if (a[i] !== buf[hashAt + i]) return this.fail();
    }
    for (let i = 0; i < HASH_LEN; i++) prev[i] = buf[hashAt + i]!;
    this.nextSeq = seq + 1;
    this.rows++;
    return true;
  }

  private fail(): false {
    this.failed = true;
    return false;
  }

  /**
   * ok: every row was accepted and no anchor lies beyond the last row (ChainVerifier: CHAIN_TRUNCATED).
   * `head` is the last row's hash (the start's prevHash when there were no rows).
   */
  finish(): { ok: boolean; rows: number; lastSeq: number; head: Uint8Array } {
    const lastSeq = this.nextSeq - 1;
    return { ok: !this.failed && this.lastAnchorSeq <= lastSeq, rows: this.rows, lastSeq, head: this.prev.slice() };
  }
}
