import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { sha256 } from '@noble/hashes/sha2.js';
import { EMPTY_ROOT, MerkleFrontier, MerkleTree } from '../../../shared/merkle';
import { toHex, u64be } from '../../../shared/bytes';

const leaf = (i: number) => sha256(u64be(i)); // 32-byte leaves, like chain hashes

describe('MerkleFrontier', () => {
  it('gives the tree root at every size up to 300, and holds one hash per set bit of the size', () => {
    const f = new MerkleFrontier();
    const t = new MerkleTree();
    for (let n = 1; n <= 300; n++) {
      f.append(leaf(n));
      t.append(leaf(n));
      expect(toHex(f.root()), `size ${n}`).toBe(toHex(t.root()));
      expect(f.state().hashes.length).toBe(n.toString(2).split('1').length - 1);
    }
  });

  it('resumes from a saved state and rejects an inconsistent one', () => {
    const a = new MerkleFrontier();
    for (let i = 0; i < 77; i++) a.append(leaf(i));
    const saved = JSON.parse(JSON.stringify(a.state()));
    const b = new MerkleFrontier(saved);
    for (let i = 77; i < 200; i++) {
      a.append(leaf(i));
      b.append(leaf(i));
    }
    expect(toHex(b.root())).toBe(toHex(a.root()));
    expect(() => new MerkleFrontier({ size: 79, hashes: saved.hashes })).toThrow(RangeError);
    expect(() => new MerkleFrontier({ size: 77, hashes: [...saved.hashes.slice(1), 'zz'] })).toThrow(RangeError);
    expect(toHex(new MerkleFrontier({ size: 0, hashes: [] }).root())).toBe(toHex(EMPTY_ROOT));
  });

  it('computes the root of 2^20 + 3 leaves in constant memory, equal to an independent reduction', () => {
    const n = 2 ** 20 + 3;
    const f = new MerkleFrontier();
    // Reference with node:crypto (a second SHA-256), reducing level by level over all leaf hashes
    // and carrying an odd last node up unchanged: RFC 9162's MTH for any size, computed bottom-up.
    const h = (...parts: Uint8Array[]) => {
      const c = createHash('sha256');
      for (const p of parts) c.update(p);
      return new Uint8Array(c.digest());
    };
    let level: Uint8Array[] = new Array(n);
    const l = new Uint8Array(32);
    for (let i = 0; i < n; i++) {
      l.set(u64be(i)); // cheap distinct 32-byte leaves
      f.append(l);
      level[i] = h(Uint8Array.of(0), l);
    }
    while (level.length > 1) {
      const next: Uint8Array[] = [];
      for (let i = 0; i + 1 < level.length; i += 2) next.push(h(Uint8Array.of(1), level[i]!, level[i + 1]!));
      if (level.length % 2 === 1) next.push(level[level.length - 1]!);
      level = next;
    }
    expect(f.size).toBe(n);
    expect(f.state().hashes).toHaveLength(3);
    expect(toHex(f.root())).toBe(toHex(level[0]!));
    // About four million SHA-256 calls: seconds alone, over a minute on a loaded shared CI machine.
  }, 300_000);
});
