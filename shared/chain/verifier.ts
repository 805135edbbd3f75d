import { bytesEqual, toHex } from '../bytes';
import { nobleBlake3, type Blake3 } from './blake3';
import { chainLink, eventDigest, genesisHash, HASH_LEN } from './format';
import { checkpointRoots, type CheckpointRoots } from './checkpoint-roots';
import { IssueLog } from './issue-log';
import { CHAIN_WARNING_CODES, type ChainIssue } from './issues';
import type { ChainReport, ChainRow, ChainVerifierOptions } from './verifier-types';

export type {
  ChainAnchor,
  ChainCheckpoint,
  ChainReport,
  ChainRow,
  ChainStart,
  ChainVerifierOptions,
} from './verifier-types';

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
  private readonly log: IssueLog;
  private readonly anchors: Map<number, Uint8Array> | undefined;
  private readonly lastAnchorSeq: number;
  private readonly startSeq: number;
  private readonly genesis: Uint8Array;
  private readonly recent: Tracked[];
  private rows = 0;
  private tailRows = 0;
  private lastLabel: number | undefined;
  /** Chained seq minus stored seq of the current run (0 unless rows were renumbered). */
  private offset = 0;
  private finished = false;
  private readonly tree: CheckpointRoots;
  /** The row being pushed: its computed digest, the stored one when they differ, its hash, a precomputed link. */
  private readonly cur: {
    digest: Uint8Array;
    stored: Uint8Array | null;
    hash: Uint8Array;
    pre: ChainRow['computedLink'];
    /** Labels missing before it, and whether its label repeats the previous one. */
    labelGap: number;
    dup: boolean;
  } = {
    digest: new Uint8Array(0),
    stored: null,
    hash: new Uint8Array(0),
    pre: undefined,
    labelGap: 0,
    dup: false,
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
    this.log = new IssueLog(options.maxIssues ?? 10_000);
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
    this.tree = checkpointRoots(options, checkpoints, this.startSeq, this.genesis, this.log);
  }

  push(row: ChainRow): void {
    if (this.finished) throw new Error('ChainVerifier: push after finish');
    this.rows++;
    if (!this.wellFormed(row)) return;
    const s = row.seq;
    // 1. Labels: the stored seq must count up by one from the start.
    if (!this.checkLabel(s)) return;
    const { labelGap, dup } = this.cur;
    // 2. The event digest, over the exact stored bytes.
    const computed = this.checkDigest(row);
    // 3. The link, and after a break the search that re-attaches the chain.
    const head = this.recent[this.recent.length - 1]!;
    const found = this.attach(head);
    const tracked: Tracked = { s, t: s + this.offset, hash: row.hash, digest: computed, linked: false, dupLabel: dup };
    if (row.leafHash) tracked.leaf = row.leafHash;
    if (found) {
      tracked.t = found.t;
      tracked.linked = true;
      if (found.back > 0 && this.skipOffChain(found.back, row, tracked, this.linksFn)) return;
      if (found.t - s !== this.offset && !dup) {
        this.log.report('SEQ_RENUMBERED', { seq: s, delta: found.t - s, expected: String(found.t), found: String(s) });
        this.offset = found.t - s;
      }
    } else if (labelGap === 0 && !dup) {
      tracked.issue = this.linkMismatch(head, s, computed, row.hash);
    }
    this.remember(tracked, row.hash);
  }

  /** A row without a usable seq, digest, hash or bytes is reported and not checked further. */
  private wellFormed(row: ChainRow): boolean {
    if (typeof row !== 'object' || row === null) {
      this.log.report('ROW_MALFORMED', { seq: -1 });
      return false;
    }
    const s = row.seq;
    if (
      !Number.isSafeInteger(s) ||
      s < 0 ||
      row.digest?.length !== HASH_LEN ||
      row.hash?.length !== HASH_LEN ||
      !(row.bytes instanceof Uint8Array)
    ) {
      this.log.report('ROW_MALFORMED', { seq: Number.isSafeInteger(s) ? s : -1 });
      return false;
    }
    return true;
  }

  /**
   * Checks the stored seq against the one expected and sets `cur.labelGap` and `cur.dup`; false when
   * the row comes after a higher seq and is not checked.
   */
  private checkLabel(s: number): boolean {
    const cur = this.cur;
    cur.labelGap = 0;
    cur.dup = false;
    const expectedLabel = this.lastLabel === undefined ? this.startSeq : this.lastLabel + 1;
    if (s < expectedLabel - 1 || (this.lastLabel === undefined && s < expectedLabel)) {
      this.log.report('SEQ_OUT_OF_ORDER', { seq: s, expected: String(expectedLabel), found: String(s) });
      return false;
    }
    if (s === expectedLabel - 1) {
      cur.dup = true;
      this.log.report('SEQ_DUPLICATE', { seq: s, count: 2 });
    } else if (s > expectedLabel) {
      cur.labelGap = s - expectedLabel;
      this.log.report('SEQ_GAP', {
        seq: expectedLabel,
        lastSeq: s - 1,
        count: cur.labelGap,
        expected: String(expectedLabel),
        found: String(s),
      });
    }
    this.lastLabel = Math.max(this.lastLabel ?? s, s);
    return true;
  }

  /** Recomputes the event digest, reports a mismatch, and makes the row the one `linksFn` checks. */
  private checkDigest(row: ChainRow): Uint8Array {
    const computed = row.computedDigest ?? eventDigest(this.b3, row.bytes);
    const digestOk = bytesEqual(computed, row.digest);
    if (!digestOk)
      this.log.report('EVENT_DIGEST_MISMATCH', { seq: row.seq, expected: toHex(computed), found: toHex(row.digest) });
    // A link that holds with the stored digest shows the rest of the row is intact: the payload
    // alone was changed, which EVENT_DIGEST_MISMATCH already says.
    // (The row's candidates live in fields, not in a closure: this runs once per row, millions of times.)
    this.cur.digest = computed;
    this.cur.stored = digestOk ? null : row.digest;
    this.cur.hash = row.hash;
    this.cur.pre = digestOk ? row.computedLink : undefined;
    return computed;
  }

  /** Which remembered row the current row links to (`back` places before the head), at chain position t. */
  private attach(head: Tracked): { back: number; t: number } | undefined {
    const recent = this.recent;
    const links = this.linksFn;
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
    return found;
  }

  /** A row that links to nothing: a new CHAIN_LINK_MISMATCH, or one more row of the head's run. */
  private linkMismatch(head: Tracked, s: number, computed: Uint8Array, hash: Uint8Array): ChainIssue {
    const run = head.issue;
    if (run && run.code === 'CHAIN_LINK_MISMATCH' && !head.linked) {
      // Consecutive unlinked rows are one break, reported once with its extent.
      run.details.count = (run.details.count ?? 1) + 1;
      run.details.lastSeq = s;
      return run;
    }
    const expected = toHex(chainLink(this.b3, Math.max(0, head.t + 1), head.hash, computed));
    return this.log.report('CHAIN_LINK_MISMATCH', { seq: s, lastSeq: s, count: 1, expected, found: toHex(hash) });
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
        head.issue = this.log.report('SEQ_RENUMBERED', renumbered);
      } else {
        this.log.replace(run, 'SEQ_RENUMBERED', renumbered);
      }
    } else {
      head.issue = this.log.report('SEQ_RENUMBERED', renumbered);
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
        this.log.replace(x.issue, 'SEQ_SWAPPED', swap);
      else this.log.report('SEQ_SWAPPED', swap);
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
        } else this.log.drop(r.issue);
      }
    }
    if (inserted.length > 0) {
      const first = inserted[0]!;
      const last = inserted[inserted.length - 1]!;
      this.log.report('EVENT_INSERTED', { seq: first.s, lastSeq: last.s, count: inserted.length });
    }
    return false;
  }

  private remember(tracked: Tracked, hash: Uint8Array): void {
    if (this.anchors) {
      const anchor = this.anchors.get(tracked.t);
      if (anchor && !bytesEqual(anchor, hash))
        this.log.report('ANCHOR_MISMATCH', { seq: tracked.s, expected: toHex(anchor), found: toHex(hash) });
      if (tracked.t > this.lastAnchorSeq && !tracked.dupLabel) this.tailRows++;
    }
    this.tree.extend(tracked, hash);
    this.recent.push(tracked);
    if (this.recent.length > this.lookback + 1) {
      const old = this.recent.shift()!;
      delete old.issue;
    }
  }

  finish(): ChainReport {
    if (!this.finished) {
      this.finished = true;
      const head = this.headRow();
      if (this.anchors && this.lastAnchorSeq > head.t) {
        this.log.report('CHAIN_TRUNCATED', {
          seq: head.t + 1,
          lastSeq: this.lastAnchorSeq,
          count: this.lastAnchorSeq - head.t,
          expected: String(this.lastAnchorSeq),
          found: String(head.t),
        });
      }
      const unchecked = this.tree.unchecked(head.t);
      if (unchecked > 0) this.log.report('CHECKPOINT_ROOT_UNCHECKED', { seq: this.startSeq, count: unchecked });
      if (this.anchors && this.tailRows > 0) {
        this.log.report('TAIL_NOT_CHECKPOINTED', { seq: this.lastAnchorSeq + 1, count: this.tailRows });
      }
    }
    const sorted = this.log.issues.slice().sort((a, b) => a.details.seq - b.details.seq);
    const errors = sorted.filter((i) => !CHAIN_WARNING_CODES.has(i.code));
    const warnings = sorted.filter((i) => CHAIN_WARNING_CODES.has(i.code));
    const head = this.headRow();
    return {
      ok: errors.length === 0 && this.log.omittedErrors === 0,
      rows: this.rows,
      size: head.t + 1,
      head: head.hash,
      errors,
      warnings,
      omitted: this.log.omitted,
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
    return this.log.issues;
  }

  private headRow(): Tracked {
    return this.recent[this.recent.length - 1]!;
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
