import { fromHex, toHex } from '../bytes';
import { defaultMerkleHasher, EMPTY_ROOT, HASH_SIZE, type MerkleHasher } from './hash';

/**
 * The right edge of an RFC 9162 tree (a compact range starting at 0): one hash per perfect
 * subtree, i.e. per set bit of the size, at most 53. Enough to append and to compute the root
 * (MTH, §2.1.1) of millions of leaves in constant memory — how the checkpointer follows the chain.
 * Its state can be saved and resumed, so a checkpoint every N events needs only the new leaves.
 */
export class MerkleFrontier {
  private count: number;
  /** Perfect subtree roots, largest (leftmost) first. */
  private readonly stack: Uint8Array[];

  constructor(
    state?: FrontierState,
    private readonly hasher: MerkleHasher = defaultMerkleHasher,
  ) {
    if (!state) {
      this.count = 0;
      this.stack = [];
      return;
    }
    const hashes = state.hashes.map((h) => fromHex(h));
    if (
      !Number.isSafeInteger(state.size) ||
      state.size < 0 ||
      hashes.some((h) => h?.length !== HASH_SIZE) ||
      hashes.length !== popcount(state.size)
    ) {
      throw new RangeError('MerkleFrontier: the saved state is inconsistent (one 32-byte hash per set bit of size)');
    }
    this.count = state.size;
    this.stack = hashes as Uint8Array[];
  }

  get size(): number {
    return this.count;
  }

  /** Appends leaf data (for ARX: a chain hash h_i). */
  append(leaf: Uint8Array): void {
    this.appendLeafHash(this.hasher.leafHash(leaf));
  }

  appendLeafHash(hash: Uint8Array): void {
    let node = hash;
    // Each trailing 1-bit of the old size is a perfect subtree the new leaf completes.
    for (let n = this.count; n % 2 === 1; n = Math.floor(n / 2)) node = this.hasher.nodeHash(this.stack.pop()!, node);
    this.stack.push(node);
    this.count++;
  }

  /** MTH of the leaves so far: the perfect subtrees folded from the right. */
  root(): Uint8Array {
    if (this.stack.length === 0) return EMPTY_ROOT;
    let r = this.stack[this.stack.length - 1]!;
    for (let i = this.stack.length - 2; i >= 0; i--) r = this.hasher.nodeHash(this.stack[i]!, r);
    return r;
  }

  state(): FrontierState {
    return { size: this.count, hashes: this.stack.map(toHex) };
  }
}

/** JSON-friendly frontier: the size and the perfect subtree hashes (hex), largest first. */
export interface FrontierState {
  size: number;
  hashes: string[];
}

function popcount(n: number): number {
  let c = 0;
  for (; n > 0; n = Math.floor(n / 2)) c += n % 2;
  return c;
}
