import { bytesEqual, toHex } from '../bytes';
import { EMPTY_ROOT, MerkleFrontier, type FrontierState, type MerkleHasher } from '../merkle';
import { nobleBlake3, type Blake3 } from './blake3';
import { chainLink, eventDigest, genesisHash, HASH_LEN } from './format';
import { CHAIN_WARNING_CODES, type ChainIssue, type ChainIssueCode, type ChainIssueDetails } from './issues';

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

/** A row the verifier still remembers, to re-attach the chain after a break. */
interface Tracked {
  /** Stored seq (label). */
  s: number;
  /** Chain position: the seq this row's hash was made with (a guess while `linked` is false). */
  t: number;
  hash: Uint8Array;
  digest: Uint8Array;
  /** Its stored hash follows from a predecessor the verifier holds. */
  linked: boolean;
  dupLabel: boolean;
  /** The provisional CHAIN_LINK_MISMATCH this row is (the last row of), while it can be reclassified. */
  issue?: ChainIssue;
  /** Precomputed leaf hash of `hash`, when the caller supplied one. */
  leaf?: Uint8Array;
}

const MESSAGES: Record<ChainIssueCode, string> = {
  ROW_MALFORMED: 'the row is malformed (seq not a non-negative integer, or digest/hash not 32 bytes)',
  EVENT_DIGEST_MISMATCH: 'the stored event bytes do not hash to the stored event digest: the event was modified',
  CHAIN_LINK_MISMATCH:
    'the stored chain hash does not follow from the previous row: a row was altered, replaced or removed here',
  SEQ_GAP: 'seq numbers are missing: events were deleted',
  SEQ_DUPLICATE: 'two rows carry the same seq: an event was inserted',
  SEQ_OUT_OF_ORDER: 'the row comes after a row with a higher seq; it was not checked',
  SEQ_RENUMBERED: 'from here the stored seq differs from the seq the rows were chained with: rows were renumbered',
  SEQ_SWAPPED: 'two rows exchanged their seq numbers',
  EVENT_INSERTED: 'the row(s) are not part of the chain: the next row links past them',
  ANCHOR_MISMATCH:
    'the stored chain hash differs from the trusted (checkpointed) one: the chain was rewritten up to here',
  CHAIN_TRUNCATED: 'the chain ends before the newest checkpoint: events at the end were deleted',
  TAIL_NOT_CHECKPOINTED: 'events after the newest checkpoint are not yet provable',
  CHECKPOINT_ROOT_MISMATCH: 'the Merkle root over the stored chain hashes differs from the checkpoint root',
  CHECKPOINT_ROOT_UNCHECKED:
    'checkpoint roots could not be recomputed (the rows do not line up after an earlier issue, or the segment has no start frontier)',
};

/**
 * A streaming, pure checker of a tenant's audit chain (DESIGN.md, "Chain"). Feed rows in seq order
 * with push(); finish() returns every problem with a stable code, the seq and expected/found hex.
 *
 * It recomputes d from the bytes and h from the previous row's *stored* hash, so each row is judged
 * on its own and one break is one issue: the chain resynchronises at the next row. After a break it
 * searches the last few rows to re-attach the chain, which is what classifies a break as an inserted
 * row, a renumbering after a deletion or a swap (docs/chain-format.md, "Verifier").
 */
export class ChainVerifier {
  private readonly b3: Blake3;
  private readonly lookback: number;
  private readonly maxIssues: number;
  private readonly anchors: Map<number, Uint8Array> | undefined;
  private readonly lastAnchorSeq: number;
  private readonly startSeq: number;
  private readonly genesis: Uint8Array;
  private readonly recent: Tracked[];
  private readonly issues: ChainIssue[] = [];
  private omitted = 0;
  private omittedErrors = 0;
  private rows = 0;
  private tailRows = 0;
  private lastLabel: number | undefined;
  /** Chained seq minus stored seq of the current run (0 unless rows were renumbered). */
  private offset = 0;
  private finished = false;
  /** The tree over the rows' stored hashes, for checkpoint roots; undefined when not checkable. */
  private readonly frontier: MerkleFrontier | undefined;
  private frontierBroken = false;
  private readonly roots = new Map<number, Uint8Array>();
  private rootsChecked = 0;
  /** The row being pushed: its computed digest, the stored one when they differ, its hash, a precomputed link. */
  private readonly cur: {
    digest: Uint8Array;
    stored: Uint8Array | null;
    hash: Uint8Array;
    pre: ChainRow['computedLink'];
  } = {
    digest: new Uint8Array(0),
    stored: null,
    hash: new Uint8Array(0),
    pre: undefined,
  };
  /**
   * Whether the stored `hash` (default: the current row's) is chainLink(t, prev, d) for one of the
   * digests `d` (default: the current row's computed digest, and its stored one when they differ).
   */
  private readonly linksFn = (t: number, prev: Uint8Array, d?: readonly Uint8Array[], hash?: Uint8Array): boolean => {
    if (t < 0) return false;
    const cur = this.cur;
    const h = hash ?? cur.hash;
    if (d) {
      for (const x of d) if (bytesEqual(chainLink(this.b3, t, prev, x), h)) return true;
      return false;
    }
    // The worker's link is exactly chainLink(t, prev, computed) when these hold.
    const pre = cur.pre;
    if (pre && h === cur.hash && prev === pre.prev && t === pre.seq) return bytesEqual(pre.hash, h);
    if (bytesEqual(chainLink(this.b3, t, prev, cur.digest), h)) return true;
    return cur.stored !== null && bytesEqual(chainLink(this.b3, t, prev, cur.stored), h);
  };

  constructor(options: ChainVerifierOptions) {
    this.b3 = options.blake3 ?? nobleBlake3;
    this.lookback = Math.max(1, options.lookback ?? 8);
    this.maxIssues = options.maxIssues ?? 10_000;
    if ('tenantId' in options.start) {
      this.startSeq = 0;
      this.genesis = genesisHash(this.b3, options.start.tenantId);
    } else {
      if (
        !Number.isSafeInteger(options.start.seq) ||
        options.start.seq < 0 ||
        options.start.prevHash.length !== HASH_LEN
      ) {
        throw new RangeError('ChainVerifier: start needs a seq >= 0 and a 32-byte prevHash');
      }
      this.startSeq = options.start.seq;
      this.genesis = options.start.prevHash;
    }
    this.recent = [
      {
        s: this.startSeq - 1,
        t: this.startSeq - 1,
        hash: this.genesis,
        digest: new Uint8Array(0),
        linked: true,
        dupLabel: false,
      },
    ];
    const checkpoints = options.checkpoints ?? [];
    const anchors = [
      ...(options.anchors ?? []),
      ...checkpoints.filter((c) => c.size > 0).map((c) => ({ seq: c.size - 1, hash: c.head })),
    ];
    if (options.anchors || options.checkpoints) {
      this.anchors = new Map(anchors.map((a) => [a.seq, a.hash]));
      this.lastAnchorSeq = anchors.reduce((m, a) => Math.max(m, a.seq), this.startSeq - 1);
    } else {
      this.anchors = undefined;
      this.lastAnchorSeq = Number.POSITIVE_INFINITY;
    }
    // The tree costs two SHA-256 a row: build it only when there are roots to check.
    if (!checkpoints.some((c) => c.size > 0)) this.frontier = undefined;
    else if ('tenantId' in options.start) this.frontier = new MerkleFrontier(undefined, options.merkleHasher);
    else if (options.start.frontier) {
      this.frontier = new MerkleFrontier(options.start.frontier, options.merkleHasher);
      if (this.frontier.size !== this.startSeq)
        throw new RangeError('ChainVerifier: the start frontier must be the tree of size start.seq');
    } else this.frontier = undefined;
    for (const c of checkpoints) {
      if (c.size === 0) {
        // The empty checkpoint: the empty tree, and the chain's starting hash as its head.
        if (!bytesEqual(c.root, EMPTY_ROOT))
          this.report('CHECKPOINT_ROOT_MISMATCH', {
            seq: -1,
            count: 0,
            expected: toHex(EMPTY_ROOT),
            found: toHex(c.root),
          });
        if (this.startSeq === 0 && !bytesEqual(c.head, this.genesis))
          this.report('ANCHOR_MISMATCH', { seq: -1, expected: toHex(c.head), found: toHex(this.genesis) });
      } else if (!this.frontier || c.size > this.frontier.size) this.roots.set(c.size, c.root);
    }
  }

  push(row: ChainRow): void {
    if (this.finished) throw new Error('ChainVerifier: push after finish');
    this.rows++;
    if (typeof row !== 'object' || row === null) {
      this.report('ROW_MALFORMED', { seq: -1 });
      return;
    }
    const s = row.seq;
    if (
      !Number.isSafeInteger(s) ||
      s < 0 ||
      row.digest?.length !== HASH_LEN ||
      row.hash?.length !== HASH_LEN ||
      !(row.bytes instanceof Uint8Array)
    ) {
      this.report('ROW_MALFORMED', { seq: Number.isSafeInteger(s) ? s : -1 });
      return;
    }

    // 1. Labels: the stored seq must count up by one from the start.
    let labelGap = 0;
    let dup = false;
    const expectedLabel = this.lastLabel === undefined ? this.startSeq : this.lastLabel + 1;
    if (s < expectedLabel - 1 || (this.lastLabel === undefined && s < expectedLabel)) {
      this.report('SEQ_OUT_OF_ORDER', { seq: s, expected: String(expectedLabel), found: String(s) });
      return;
    }
    if (s === expectedLabel - 1) {
      dup = true;
      this.report('SEQ_DUPLICATE', { seq: s, count: 2 });
    } else if (s > expectedLabel) {
      labelGap = s - expectedLabel;
      this.report('SEQ_GAP', {
        seq: expectedLabel,
        lastSeq: s - 1,
        count: labelGap,
        expected: String(expectedLabel),
        found: String(s),
      });
    }
    this.lastLabel = Math.max(this.lastLabel ?? s, s);

    // 2. The event digest, over the exact stored bytes.
    const computed = row.computedDigest ?? eventDigest(this.b3, row.bytes);
    const digestOk = bytesEqual(computed, row.digest);
    if (!digestOk)
      this.report('EVENT_DIGEST_MISMATCH', { seq: s, expected: toHex(computed), found: toHex(row.digest) });
    // A link that holds with the stored digest shows the rest of the row is intact: the payload
    // alone was changed, which EVENT_DIGEST_MISMATCH already says.
    // (The row's candidates live in fields, not in a closure: this runs once per row, millions of times.)
    this.cur.digest = computed;
    this.cur.stored = digestOk ? null : row.digest;
    this.cur.hash = row.hash;
    this.cur.pre = digestOk ? row.computedLink : undefined;
    const links = this.linksFn;

    // 3. The link, and after a break the search that re-attaches the chain.
    const recent = this.recent;
    const head = recent[recent.length - 1]!;
    let found: { back: number; t: number } | undefined;
    // Deep inside a long run of unlinked rows every candidate is one of them: only the head can
    // still be the row the chain resumes from, so a run costs one hash a row, not lookback+1.
    const depth = !head.linked && (head.issue?.details.count ?? 1) > this.lookback ? 1 : recent.length;
    for (let back = 0; back < depth && !found; back++) {
      const c = recent[recent.length - 1 - back]!;
      if (links(c.t + 1, c.hash)) found = { back, t: c.t + 1 };
      else if (back === 0 && !c.linked && (c.issue?.details.count ?? 1) <= 1) {
        // The head did not link, so its chain position is a guess: find the one its successor
        // implies. Only right after a break: inside a long run of garbage it would find nothing
        // and cost 2·lookback hashes a row.
        for (let d = 1; d <= this.lookback && !found; d++) {
          for (const delta of [d, -d]) {
            if (links(c.t + 1 + delta, c.hash)) {
              this.shiftUnlinkedHead(c, delta);
              found = { back: 0, t: c.t + 1 };
              break;
            }
          }
        }
      }
    }

    const tracked: Tracked = { s, t: s + this.offset, hash: row.hash, digest: computed, linked: false, dupLabel: dup };
    if (row.leafHash) tracked.leaf = row.leafHash;
    if (found) {
      tracked.t = found.t;
      tracked.linked = true;
      if (found.back > 0 && this.skipOffChain(found.back, row, tracked, links)) return;
      if (found.t - s !== this.offset && !dup) {
        this.report('SEQ_RENUMBERED', { seq: s, delta: found.t - s, expected: String(found.t), found: String(s) });
        this.offset = found.t - s;
      }
    } else if (labelGap === 0 && !dup) {
      const run = head.issue;
      if (run && run.code === 'CHAIN_LINK_MISMATCH' && !head.linked) {
        // Consecutive unlinked rows are one break, reported once with its extent.
        run.details.count = (run.details.count ?? 1) + 1;
        run.details.lastSeq = s;
        tracked.issue = run;
      } else {
        const expected = toHex(chainLink(this.b3, Math.max(0, head.t + 1), head.hash, computed));
        tracked.issue = this.report('CHAIN_LINK_MISMATCH', {
          seq: s,
          lastSeq: s,
          count: 1,
          expected,
          found: toHex(row.hash),
        });
      }
    }
    this.remember(tracked, row.hash);
  }

  /**
   * The head did not link to its predecessor, and its successor shows it was chained as seq
   * head.t + delta. With delta > 0 and contiguous labels, `delta` events were deleted before it
   * and the later rows renumbered to hide the gap: one SEQ_RENUMBERED instead of a link mismatch.
   */
  private shiftUnlinkedHead(head: Tracked, delta: number): void {
    head.t += delta;
    this.offset = head.t - head.s;
    const run = head.issue;
    const renumbered = {
      seq: head.s,
      delta: this.offset,
      count: delta,
      expected: String(head.t),
      found: String(head.s),
    };
    if (run && delta > 0 && run.details.lastSeq === head.s) {
      if ((run.details.count ?? 1) > 1) {
        run.details.count = (run.details.count ?? 1) - 1;
        run.details.lastSeq = head.s - 1;
        head.issue = this.report('SEQ_RENUMBERED', renumbered);
      } else {
        this.replace(run, 'SEQ_RENUMBERED', renumbered);
      }
    } else {
      head.issue = this.report('SEQ_RENUMBERED', renumbered);
    }
  }

  /**
   * The row links to a row `back` places before the head: the rows in between are off the chain.
   * Returns true when it handled the row completely (a swap).
   */
  private skipOffChain(
    back: number,
    row: ChainRow,
    tracked: Tracked,
    links: (t: number, prev: Uint8Array, d?: readonly Uint8Array[], hash?: Uint8Array) => boolean,
  ): boolean {
    const recent = this.recent;
    // A duplicate seq that links where the rows it skips (same seq) also link is a fork: keep them
    // all, the next row shows which one the chain continues from. SEQ_DUPLICATE already says it.
    const fork = tracked.dupLabel && recent.slice(recent.length - back).every((r) => r.s === row.seq);
    const skipped = fork ? recent.slice(recent.length - back) : recent.splice(recent.length - back, back);
    const x = skipped[0]!;
    // Two rows that exchanged labels: x (labelled s-1) is chained right after this row.
    if (
      !fork &&
      back === 1 &&
      !x.linked &&
      !x.dupLabel &&
      x.s === row.seq - 1 &&
      links(tracked.t + 1, row.hash, [x.digest], x.hash)
    ) {
      const swap = { seq: x.s, lastSeq: row.seq, count: 2, expected: String(tracked.t + 1), found: String(x.s) };
      if (x.issue && x.issue.details.lastSeq === x.s && (x.issue.details.count ?? 1) === 1)
        this.replace(x.issue, 'SEQ_SWAPPED', swap);
      else this.report('SEQ_SWAPPED', swap);
      this.remember(tracked, row.hash);
      x.t = tracked.t + 1;
      x.linked = true;
      delete x.issue;
      this.remember(x, x.hash);
      this.offset = x.t - x.s - 1;
      return true;
    }
    const inserted = skipped.filter((r) => !r.dupLabel && r.s !== row.seq);
    for (const r of skipped) {
      // Their own link mismatch is explained now: they are intruders (or the losing duplicate).
      if (r.issue && r.issue.details.lastSeq === r.s) {
        if ((r.issue.details.count ?? 1) > 1) {
          r.issue.details.count = (r.issue.details.count ?? 1) - 1;
          r.issue.details.lastSeq = r.s - 1;
        } else this.drop(r.issue);
      }
    }
    if (inserted.length > 0) {
      const first = inserted[0]!;
      const last = inserted[inserted.length - 1]!;
      this.report('EVENT_INSERTED', { seq: first.s, lastSeq: last.s, count: inserted.length });
    }
    return false;
  }

  private remember(tracked: Tracked, hash: Uint8Array): void {
    if (this.anchors) {
      const anchor = this.anchors.get(tracked.t);
      if (anchor && !bytesEqual(anchor, hash))
        this.report('ANCHOR_MISMATCH', { seq: tracked.s, expected: toHex(anchor), found: toHex(hash) });
      if (tracked.t > this.lastAnchorSeq && !tracked.dupLabel) this.tailRows++;
    }
    this.extendTree(tracked, hash);
    this.recent.push(tracked);
    if (this.recent.length > this.lookback + 1) {
      const old = this.recent.shift()!;
      delete old.issue;
    }
  }

  /**
   * Leaf t of the tree is the stored hash of the row at chain position t. Once rows stop lining up
   * (a gap, an intruder, a renumbering) the tree over the stored rows is not the checkpointed one
   * any more: the remaining roots are left unchecked, and a warning says so, rather than reporting
   * consequences of an issue that is already reported.
   */
  private extendTree(tracked: Tracked, hash: Uint8Array): void {
    const f = this.frontier;
    if (!f || this.frontierBroken || tracked.dupLabel) return;
    if (tracked.t !== f.size) {
      this.frontierBroken = true;
      return;
    }
    if (tracked.leaf && tracked.hash === hash) f.appendLeafHash(tracked.leaf);
    else f.append(hash);
    const root = this.roots.get(f.size);
    if (!root) return;
    this.rootsChecked++;
    const computed = f.root();
    if (!bytesEqual(computed, root))
      this.report('CHECKPOINT_ROOT_MISMATCH', {
        seq: tracked.s,
        count: f.size,
        expected: toHex(root),
        found: toHex(computed),
      });
  }

  finish(): ChainReport {
    if (!this.finished) {
      this.finished = true;
      const head = this.headRow();
      if (this.anchors && this.lastAnchorSeq > head.t) {
        this.report('CHAIN_TRUNCATED', {
          seq: head.t + 1,
          lastSeq: this.lastAnchorSeq,
          count: this.lastAnchorSeq - head.t,
          expected: String(this.lastAnchorSeq),
          found: String(head.t),
        });
      }
      const reachable = [...this.roots.keys()].filter((size) => size - 1 <= head.t).length;
      if (reachable > this.rootsChecked) {
        this.report('CHECKPOINT_ROOT_UNCHECKED', { seq: this.startSeq, count: reachable - this.rootsChecked });
      }
      if (this.anchors && this.tailRows > 0) {
        this.report('TAIL_NOT_CHECKPOINTED', { seq: this.lastAnchorSeq + 1, count: this.tailRows });
      }
    }
    const sorted = this.issues.slice().sort((a, b) => a.details.seq - b.details.seq);
    const errors = sorted.filter((i) => !CHAIN_WARNING_CODES.has(i.code));
    const warnings = sorted.filter((i) => CHAIN_WARNING_CODES.has(i.code));
    const head = this.headRow();
    return {
      ok: errors.length === 0 && this.omittedErrors === 0,
      rows: this.rows,
      size: head.t + 1,
      head: head.hash,
      errors,
      warnings,
      omitted: this.omitted,
    };
  }

  /**
   * Gives the verifier its own copies of the stored hashes and digests it still holds from rows
   * already pushed (the few it remembers to re-attach the chain after a break), so that the caller
   * may reuse the buffers those rows were views into. A streaming caller that refills one buffer
   * calls it after each block; nothing else changes.
   */
  retainCopies(): void {
    for (const r of this.recent) {
      r.hash = r.hash.slice();
      r.digest = r.digest.slice();
      if (r.leaf) r.leaf = r.leaf.slice();
    }
    const cur = this.cur;
    cur.digest = cur.hash = new Uint8Array(0);
    cur.stored = null;
    cur.pre = undefined;
  }

  /** The issues reported so far (before finish: without the end-of-chain checks). */
  finishPreview(): readonly ChainIssue[] {
    return this.issues;
  }

  private headRow(): Tracked {
    return this.recent[this.recent.length - 1]!;
  }

  private report(code: ChainIssueCode, details: ChainIssueDetails): ChainIssue {
    const issue: ChainIssue = { code, message: MESSAGES[code], details };
    if (this.issues.length < this.maxIssues) this.issues.push(issue);
    else {
      this.omitted++;
      if (!CHAIN_WARNING_CODES.has(code)) this.omittedErrors++;
    }
    return issue;
  }

  private replace(issue: ChainIssue, code: ChainIssueCode, details: ChainIssueDetails): void {
    issue.code = code;
    issue.message = MESSAGES[code];
    issue.details = details;
  }

  private drop(issue: ChainIssue): void {
    const i = this.issues.indexOf(issue);
    if (i >= 0) this.issues.splice(i, 1);
  }
}

/** Verifies a whole sequence of rows (an array, a generator, a database cursor). */
export function verifyChain(rows: Iterable<ChainRow>, options: ChainVerifierOptions): ChainReport {
  const v = new ChainVerifier(options);
  for (const row of rows) v.push(row);
  return v.finish();
}

export async function verifyChainAsync(
  rows: AsyncIterable<ChainRow>,
  options: ChainVerifierOptions,
): Promise<ChainReport> {
  const v = new ChainVerifier(options);
  for await (const row of rows) v.push(row);
  return v.finish();
}
