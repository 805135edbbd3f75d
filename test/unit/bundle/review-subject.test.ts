import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes';
import { MerkleTree } from '../../../shared/merkle';
import { prefixRootFromPath } from '../../../electron/main/bundle/review-subject';

/**
 * A review's subject root is MTH(h_0 … h_toSeq); a bundle ending at toSeq carries only the
 * inclusion path of leaf toSeq in a (larger) checkpointed tree. The prefix root follows from that
 * path's left siblings: checked against a real tree for every index of trees up to 70 leaves.
 */
describe('prefixRootFromPath', () => {
  it('gives MTH(D[0 : m+1]) from the inclusion path of leaf m in any larger tree', () => {
    const tree = new MerkleTree();
    const leaves = Array.from({ length: 70 }, () => new Uint8Array(randomBytes(32)));
    for (const l of leaves) tree.append(l);
    let cases = 0;
    for (let size = 1; size <= 70; size++) {
      for (let m = 0; m < size; m++) {
        const got = prefixRootFromPath(m, size, leaves[m]!, tree.inclusionProof(m, size));
        expect(got && toHex(got), `m=${m} size=${size}`).toBe(toHex(tree.root(m + 1)));
        cases++;
      }
    }
    expect(cases).toBe((70 * 71) / 2);
  });

  it('refuses a path of the wrong length or an index outside the tree', () => {
    const tree = new MerkleTree();
    const leaves = Array.from({ length: 9 }, () => new Uint8Array(randomBytes(32)));
    for (const l of leaves) tree.append(l);
    const path = tree.inclusionProof(4, 9);
    expect(prefixRootFromPath(4, 9, leaves[4]!, path.slice(1))).toBeNull();
    expect(prefixRootFromPath(4, 9, leaves[4]!, [...path, path[0]!])).toBeNull();
    expect(prefixRootFromPath(9, 9, leaves[4]!, path)).toBeNull();
  });
});
