import { describe, expect, it } from 'vitest';
import {
  EMPTY_ROOT,
  leafHash,
  MerkleFrontier,
  MerkleTree,
  merkleRoot,
  rootFromInclusionProof,
  verifyConsistency,
  verifyInclusion,
  type MerkleVerdict,
} from '../../../shared/merkle';
import { fromHex, toHex, utf8 } from '../../../shared/bytes';
import { refConsistency, refLeafHashes, refMth, refPath } from './reference';

const hx = (h: string) => fromHex(h)!;
const MAX = 64;
const leavesOf = (n: number, tag = 'leaf') => Array.from({ length: n }, (_, i) => utf8(`${tag}-${i}`));
const failCode = (v: MerkleVerdict) => (v.ok ? 'ok' : v.error.code);
const flip = (h: Uint8Array, bit = 3) => {
  const c = h.slice();
  c[0]! ^= 1 << bit;
  return c;
};

// RFC 6962 reference vectors, as used by the Certificate Transparency and transparency-dev/merkle
// test suites: leaves, the roots of the trees of size 1..8, and some published proofs.
const RFC_LEAVES = [
  '',
  '00',
  '10',
  '2021',
  '3031',
  '40414243',
  '5051525354555657',
  '606162636465666768696a6b6c6d6e6f',
].map(hx);
const RFC_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];
const RFC_INCLUSION: [number, number, string[]][] = [
  [
    0,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    5,
    8,
    [
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [2, 3, ['fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125']],
  [
    1,
    5,
    [
      '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
];
const RFC_CONSISTENCY: [number, number, string[]][] = [
  [
    1,
    8,
    [
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ],
  ],
  [
    6,
    8,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
  [
    2,
    5,
    [
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
    ],
  ],
  [
    6,
    7,
    [
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ],
  ],
];

describe('RFC 6962 / RFC 9162 reference vectors', () => {
  const tree = MerkleTree.fromLeaves(RFC_LEAVES);
  it('empty tree root is SHA-256 of nothing', () => {
    expect(toHex(EMPTY_ROOT)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    expect(toHex(new MerkleTree().root())).toBe(toHex(EMPTY_ROOT));
  });
  it('roots of sizes 1..8', () => {
    RFC_ROOTS.forEach((root, i) => expect(toHex(tree.root(i + 1)), `size ${i + 1}`).toBe(root));
  });
  it('published inclusion proofs are generated and verify', () => {
    for (const [index, size, proof] of RFC_INCLUSION) {
      expect(tree.inclusionProof(index, size).map(toHex)).toEqual(proof);
      expect(
        verifyInclusion(index, size, leafHash(RFC_LEAVES[index]!), proof.map(hx), hx(RFC_ROOTS[size - 1]!)),
      ).toEqual({ ok: true });
    }
  });
  it('published consistency proofs are generated and verify', () => {
    for (const [m, n, proof] of RFC_CONSISTENCY) {
      expect(tree.consistencyProof(m, n).map(toHex)).toEqual(proof);
      expect(verifyConsistency(m, n, proof.map(hx), hx(RFC_ROOTS[m - 1]!), hx(RFC_ROOTS[n - 1]!))).toEqual({
        ok: true,
      });
    }
  });
});

describe(`every tree size 1..${MAX}: roots, frontier, and generation against a naive RFC transcription`, () => {
  const leaves = leavesOf(MAX);
  const hashes = refLeafHashes(leaves);
  const tree = MerkleTree.fromLeaves(leaves);
  it('roots and frontier roots', () => {
    const f = new MerkleFrontier();
    expect(toHex(f.root())).toBe(toHex(EMPTY_ROOT));
    for (let n = 1; n <= MAX; n++) {
      f.append(leaves[n - 1]!);
      const want = toHex(refMth(hashes.slice(0, n)));
      expect(toHex(tree.root(n)), `tree ${n}`).toBe(want);
      expect(toHex(f.root()), `frontier ${n}`).toBe(want);
      expect(toHex(merkleRoot(leaves.slice(0, n)))).toBe(want);
    }
  });
  it('inclusion proofs for every index and consistency proofs for every old size', () => {
    for (let n = 1; n <= MAX; n++) {
      for (let i = 0; i < n; i++)
        expect(tree.inclusionProof(i, n).map(toHex), `PATH(${i}, ${n})`).toEqual(
          refPath(i, hashes.slice(0, n)).map(toHex),
        );
      for (let m = 0; m <= n; m++)
        expect(tree.consistencyProof(m, n).map(toHex), `PROOF(${m}, ${n})`).toEqual(
          refConsistency(m, hashes.slice(0, n)).map(toHex),
        );
    }
  });
});

describe(`inclusion proofs, every size 1..${MAX} and every index: valid ones verify, forged ones do not`, () => {
  const tree = MerkleTree.fromLeaves(leavesOf(MAX));
  const other = MerkleTree.fromLeaves(leavesOf(MAX, 'other'));
  const someHash = flip(EMPTY_ROOT, 0);

  it('verifies and rejects', () => {
    let forgeries = 0;
    for (let n = 1; n <= MAX; n++) {
      const root = tree.root(n);
      for (let i = 0; i < n; i++) {
        const leaf = tree.leafHash(i);
        const proof = tree.inclusionProof(i, n);
        const where = `index ${i} size ${n}`;
        expect(verifyInclusion(i, n, leaf, proof, root), where).toEqual({ ok: true });
        const computed = rootFromInclusionProof(i, n, leaf, proof);
        expect(computed.ok && toHex(computed.root), where).toBe(toHex(root));

        const forged: [string, MerkleVerdict, string?][] = [
          ['index - 1', verifyInclusion(i - 1, n, leaf, proof, root), i === 0 ? 'MERKLE_BAD_SIZE' : undefined],
          [
            'index + 1',
            verifyInclusion(i + 1, n, leaf, proof, root),
            i + 1 === n ? 'MERKLE_INDEX_OUT_OF_RANGE' : undefined,
          ],
          ['index ^ 2', verifyInclusion(i ^ 2, n, leaf, proof, root)],
          ['index = size', verifyInclusion(n, n, leaf, proof, root), 'MERKLE_INDEX_OUT_OF_RANGE'],
          ['size * 2', verifyInclusion(i, n * 2, leaf, proof, root)],
          ['size / 2', verifyInclusion(i, Math.floor(n / 2), leaf, proof, root)],
          ['wrong leaf', verifyInclusion(i, n, tree.leafHash((i + 1) % MAX), proof, root), 'MERKLE_ROOT_MISMATCH'],
          ['wrong root (empty tree)', verifyInclusion(i, n, leaf, proof, EMPTY_ROOT), 'MERKLE_ROOT_MISMATCH'],
          [
            'wrong root (next size)',
            verifyInclusion(i, n, leaf, proof, tree.root(n + 1 <= MAX ? n + 1 : n - 1)),
            'MERKLE_ROOT_MISMATCH',
          ],
          ['trailing hash', verifyInclusion(i, n, leaf, [...proof, someHash], root), 'MERKLE_PROOF_TOO_LONG'],
          ['trailing root', verifyInclusion(i, n, leaf, [...proof, root], root), 'MERKLE_PROOF_TOO_LONG'],
          ['preceding hash', verifyInclusion(i, n, leaf, [someHash, ...proof], root), 'MERKLE_PROOF_TOO_LONG'],
          ['short hash', verifyInclusion(i, n, leaf, [...proof, new Uint8Array(0)], root), 'MERKLE_BAD_HASH_LENGTH'],
          [
            'proof from another tree',
            verifyInclusion(i, n, leaf, other.inclusionProof(i, n), root),
            proof.length ? 'MERKLE_ROOT_MISMATCH' : undefined,
          ],
          ['root of another tree', verifyInclusion(i, n, leaf, proof, other.root(n)), 'MERKLE_ROOT_MISMATCH'],
        ];
        if (proof.length > 0) {
          forged.push([
            'removed last',
            verifyInclusion(i, n, leaf, proof.slice(0, -1), root),
            'MERKLE_PROOF_TOO_SHORT',
          ]);
          forged.push(['removed first', verifyInclusion(i, n, leaf, proof.slice(1), root), 'MERKLE_PROOF_TOO_SHORT']);
          proof.forEach((_, j) =>
            forged.push([
              `flipped bit in proof[${j}]`,
              verifyInclusion(
                i,
                n,
                leaf,
                proof.map((p, k) => (k === j ? flip(p) : p)),
                root,
              ),
              'MERKLE_ROOT_MISMATCH',
            ]),
          );
        }
        for (let j = 0; j + 1 < proof.length; j++) {
          const swapped = proof.slice();
          [swapped[j], swapped[j + 1]] = [swapped[j + 1]!, swapped[j]!];
          forged.push([
            `swapped siblings ${j},${j + 1}`,
            verifyInclusion(i, n, leaf, swapped, root),
            'MERKLE_ROOT_MISMATCH',
          ]);
        }
        for (const [what, verdict, code] of forged) {
          if (what === 'proof from another tree' && proof.length === 0) continue; // a 1-leaf tree has no proof to swap
          expect(verdict.ok, `${where}: ${what} verified`).toBe(false);
          if (code) expect(failCode(verdict), `${where}: ${what}`).toBe(code);
          forgeries++;
        }
      }
    }
    expect(forgeries).toBeGreaterThan(20_000);
  });

  it('an interior node presented as leaf data does not verify (the 0x00/0x01 prefixes, RFC 9162 §2.1.1)', () => {
    const t = MerkleTree.fromLeaves(leavesOf(4));
    // The root's left child (MTH of leaves 0..1) and right child: as *nodes* they hash to the root.
    const left = t.inclusionProof(3, 4)[1]!;
    const right = t.inclusionProof(0, 4)[1]!;
    expect(verifyInclusion(0, 2, left, [right], t.root()).ok).toBe(true); // a leaf hash is trusted input…
    // …which is why callers hash leaf data themselves: the node's bytes as data get the leaf prefix.
    expect(failCode(verifyInclusion(0, 2, leafHash(left), [right], t.root()))).toBe('MERKLE_ROOT_MISMATCH');
  });
});

describe(`consistency proofs, every pair of sizes 1..${MAX}: valid ones verify, forged ones do not`, () => {
  const tree = MerkleTree.fromLeaves(leavesOf(MAX));
  const other = MerkleTree.fromLeaves(leavesOf(MAX, 'other'));
  const someHash = flip(EMPTY_ROOT, 0);

  it('verifies and rejects', () => {
    let forgeries = 0;
    for (let n = 1; n <= MAX; n++) {
      const root2 = tree.root(n);
      for (let m = 0; m <= n; m++) {
        const root1 = tree.root(m);
        const proof = tree.consistencyProof(m, n);
        const where = `${m} -> ${n}`;
        expect(verifyConsistency(m, n, proof, root1, root2), where).toEqual({ ok: true });
        const forged: [string, MerkleVerdict, string?][] = [
          ['size2 < size1', verifyConsistency(n + 1, n, proof, root1, root2), 'MERKLE_BAD_SIZE'],
          ['wrong root1', verifyConsistency(m, n, proof, someHash, root2)],
          [
            'trailing hash',
            verifyConsistency(m, n, [...proof, someHash], root1, root2),
            m === 0 || m === n ? 'MERKLE_PROOF_NOT_EMPTY' : 'MERKLE_PROOF_TOO_LONG',
          ],
          ['trailing root2', verifyConsistency(m, n, [...proof, root2], root1, root2)],
          ['preceding root1', verifyConsistency(m, n, [root1, ...proof], root1, root2)],
        ];
        if (m !== n) forged.push(['swapped roots', verifyConsistency(m, n, proof, root2, root1)]);
        // Every tree extends the empty one, so for m = 0 any root2 is consistent: nothing to forge.
        if (m > 0)
          forged.push(
            ['root1 of another tree', verifyConsistency(m, n, proof, other.root(m), root2)],
            ['wrong root2', verifyConsistency(m, n, proof, root1, someHash)],
            ['root2 of another tree', verifyConsistency(m, n, proof, root1, other.root(n))],
          );
        if (m > 0 && m < n) {
          forged.push(
            ['size1 - 1', verifyConsistency(m - 1, n, proof, root1, root2)],
            ['size1 + 1', verifyConsistency(m + 1, n, proof, root1, root2)],
            ['size1 ^ 2', verifyConsistency(m ^ 2, n, proof, root1, root2)],
            ['size2 * 2', verifyConsistency(m, n * 2, proof, root1, root2)],
            ['empty proof', verifyConsistency(m, n, [], root1, root2), 'MERKLE_PROOF_EMPTY'],
            ['truncated', verifyConsistency(m, n, proof.slice(0, -1), root1, root2)],
            [
              'preceding proof[0]',
              verifyConsistency(m, n, [proof[0]!, ...proof], root1, root2),
              'MERKLE_PROOF_TOO_LONG',
            ],
            ['proof from another tree', verifyConsistency(m, n, other.consistencyProof(m, n), root1, root2)],
          );
          if (Math.floor(n / 2) >= m)
            forged.push(['size2 / 2', verifyConsistency(m, Math.floor(n / 2), proof, root1, root2)]);
          proof.forEach((_, j) =>
            forged.push([
              `flipped bit in proof[${j}]`,
              verifyConsistency(
                m,
                n,
                proof.map((p, k) => (k === j ? flip(p, 4) : p)),
                root1,
                root2,
              ),
            ]),
          );
          for (let j = 0; j + 1 < proof.length; j++) {
            const swapped = proof.slice();
            [swapped[j], swapped[j + 1]] = [swapped[j + 1]!, swapped[j]!];
            forged.push([`swapped ${j},${j + 1}`, verifyConsistency(m, n, swapped, root1, root2)]);
          }
        }
        for (const [what, verdict, code] of forged) {
          expect(verdict.ok, `${where}: ${what} verified`).toBe(false);
          if (code) expect(failCode(verdict), `${where}: ${what}`).toBe(code);
          forgeries++;
        }
      }
    }
    expect(forgeries).toBeGreaterThan(20_000);
  });

  it('the trivial cases: equal sizes need equal roots, size 0 needs the empty root, both an empty proof', () => {
    const r = tree.root(5);
    expect(verifyConsistency(5, 5, [], r, r)).toEqual({ ok: true });
    expect(failCode(verifyConsistency(5, 5, [], r, tree.root(6)))).toBe('MERKLE_OLD_ROOT_MISMATCH');
    expect(failCode(verifyConsistency(5, 5, [r], r, r))).toBe('MERKLE_PROOF_NOT_EMPTY');
    expect(verifyConsistency(0, 5, [], EMPTY_ROOT, r)).toEqual({ ok: true });
    expect(failCode(verifyConsistency(0, 5, [], r, r))).toBe('MERKLE_OLD_ROOT_MISMATCH');
    expect(failCode(verifyConsistency(-1, 5, [], r, r))).toBe('MERKLE_BAD_SIZE');
    expect(failCode(verifyConsistency(1.5, 5, [], r, r))).toBe('MERKLE_BAD_SIZE');
  });
});

describe('sizes beyond 32 bits', () => {
  it('verification does not truncate indices (no bitwise operators)', () => {
    // A right-edge leaf of a huge tree: its proof is the left perfect subtrees, which we fake as
    // opaque hashes; what matters is that the index arithmetic walks 2^40-sized numbers correctly.
    const size = 2 ** 40 + 3;
    const index = size - 1;
    const leaf = leafHash(utf8('x'));
    const p = [flip(EMPTY_ROOT, 1), flip(EMPTY_ROOT, 2)]; // for a right edge: sibling at 2^1 then 2^40 subtree
    const computed = rootFromInclusionProof(index, size, leaf, p);
    expect(computed.ok).toBe(true);
    expect(failCode(verifyInclusion(index, size, leaf, p.slice(0, 1), EMPTY_ROOT))).toBe('MERKLE_PROOF_TOO_SHORT');
  });
});
