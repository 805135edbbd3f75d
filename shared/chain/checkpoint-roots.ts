import { bytesEqual, toHex } from '../bytes';
import { EMPTY_ROOT, MerkleFrontier } from '../merkle';
import type { IssueLog } from './issue-log';
import type { ChainCheckpoint, ChainVerifierOptions } from './verifier-types';

/** A row as the tree sees it: stored seq, chain position, stored hash and a precomputed leaf. */
export interface TreeRow {
  s: number;
  t: number;
  hash: Uint8Array;
  dupLabel: boolean;
  leaf?: Uint8Array;
}

/**
 * The checkpoint roots a verification recomputes: the RFC 9162 tree over the rows' stored hashes,
 * grown row by row, compared with each checkpoint's root when the tree reaches its size.
 */
export class CheckpointRoots {
  private broken = false;
  private checked = 0;

  constructor(
    /** The tree over the rows' stored hashes; undefined when roots are not checkable. */
    private readonly frontier: MerkleFrontier | undefined,
    private readonly roots: Map<number, Uint8Array>,
    private readonly log: IssueLog,
  ) {}

  /**
   * Leaf t of the tree is the stored hash of the row at chain position t. Once rows stop lining up
   * (a gap, an intruder, a renumbering) the tree over the stored rows is not the checkpointed one
   * any more: the remaining roots are left unchecked, and a warning says so, rather than reporting
   * consequences of an issue that is already reported.
   */
  extend(tracked: TreeRow, hash: Uint8Array): void {
    const f = this.frontier;
    if (!f || this.broken || tracked.dupLabel) return;
    if (tracked.t !== f.size) {
      this.broken = true;
      return;
    }
    if (tracked.leaf && tracked.hash === hash) f.appendLeafHash(tracked.leaf);
    else f.append(hash);
    const root = this.roots.get(f.size);
    if (!root) return;
    this.checked++;
    const computed = f.root();
    if (!bytesEqual(computed, root))
      this.log.report('CHECKPOINT_ROOT_MISMATCH', {
        seq: tracked.s,
        count: f.size,
        expected: toHex(root),
        found: toHex(computed),
      });
  }

  /** Roots of checkpoints the rows up to chain position `headT` reach that could not be checked. */
  unchecked(headT: number): number {
    const reachable = [...this.roots.keys()].filter((size) => size - 1 <= headT).length;
    return reachable - this.checked;
  }
}

/**
 * The roots to recompute from `checkpoints`. The empty checkpoint is checked here (the empty tree,
 * and the chain's starting hash as its head); the tree is built only when there are roots to check,
 * as it costs two SHA-256 a row.
 */
export function checkpointRoots(
  options: ChainVerifierOptions,
  checkpoints: readonly ChainCheckpoint[],
  startSeq: number,
  genesis: Uint8Array,
  log: IssueLog,
): CheckpointRoots {
  let frontier: MerkleFrontier | undefined;
  if (!checkpoints.some((c) => c.size > 0)) frontier = undefined;
  else if ('tenantId' in options.start) frontier = new MerkleFrontier(undefined, options.merkleHasher);
  else if (options.start.frontier) {
    frontier = new MerkleFrontier(options.start.frontier, options.merkleHasher);
    if (frontier.size !== startSeq)
      throw new RangeError('ChainVerifier: the start frontier must be the tree of size start.seq');
  } else frontier = undefined;
  const roots = new Map<number, Uint8Array>();
  for (const c of checkpoints) {
    if (c.size === 0) {
      if (!bytesEqual(c.root, EMPTY_ROOT))
        log.report('CHECKPOINT_ROOT_MISMATCH', {
          seq: -1,
          count: 0,
          expected: toHex(EMPTY_ROOT),
          found: toHex(c.root),
        });
      if (startSeq === 0 && !bytesEqual(c.head, genesis))
        log.report('ANCHOR_MISMATCH', { seq: -1, expected: toHex(c.head), found: toHex(genesis) });
    } else if (!frontier || c.size > frontier.size) roots.set(c.size, c.root);
  }
  return new CheckpointRoots(frontier, roots, log);
}
