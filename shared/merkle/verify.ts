import { bytesEqual, toHex } from '../bytes';
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from './hash';
import { merkleFail, type MerkleError, type MerkleVerdict } from './errors';

const isSize = (n: number) => Number.isSafeInteger(n) && n >= 0;
const odd = (n: number) => n % 2 === 1;
// Tree sizes may exceed 2^32, so no bitwise operators (they truncate to 32 bits).
const half = (n: number) => Math.floor(n / 2);

function badHash(hashes: readonly Uint8Array[]): number {
  return hashes.findIndex((h) => !(h instanceof Uint8Array) || h.length !== HASH_SIZE);
}

/**
 * RFC 9162 §2.1.3.2, steps 1–4: the root an inclusion proof leads to, or why it leads nowhere.
 * Followed literally, including its two length checks (4a: a hash left over once sn reaches 0;
 * 5: sn not 0 when the hashes run out), which is what rejects proofs with hashes added or removed.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHashValue: Uint8Array,
  proof: readonly Uint8Array[],
): { ok: true; root: Uint8Array } | { ok: false; error: MerkleError } {
  if (!isSize(index) || !isSize(size))
    return merkleFail('MERKLE_BAD_SIZE', 'index and tree size must be non-negative integers', { index, size });
  // Step 1.
  if (index >= size)
    return merkleFail('MERKLE_INDEX_OUT_OF_RANGE', `leaf index ${index} is not below tree size ${size}`, {
      index,
      size,
    });
  const bad = badHash([leafHashValue, ...proof]);
  if (bad >= 0)
    return merkleFail(
      'MERKLE_BAD_HASH_LENGTH',
      `hash ${bad === 0 ? 'of the leaf' : `#${bad - 1} of the proof`} is not ${HASH_SIZE} bytes`,
    );
  // Steps 2–3.
  let fn = index;
  let sn = size - 1;
  let r = leafHashValue;
  // Step 4.
  for (const p of proof) {
    if (sn === 0)
      return merkleFail('MERKLE_PROOF_TOO_LONG', 'the proof has more hashes than the tree is deep', {
        index,
        size,
        proofLength: proof.length,
      });
    if (odd(fn) || fn === sn) {
      r = nodeHash(p, r);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5, first half.
  if (sn !== 0)
    return merkleFail('MERKLE_PROOF_TOO_SHORT', 'the proof has fewer hashes than the path to the root', {
      index,
      size,
      proofLength: proof.length,
    });
  return { ok: true, root: r };
}

/** RFC 9162 §2.1.3.2: does `proof` show that `leafHashValue` is leaf `index` of the tree of `size` with `root`? */
export function verifyInclusion(
  index: number,
  size: number,
  leafHashValue: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): MerkleVerdict {
  const computed = rootFromInclusionProof(index, size, leafHashValue, proof);
  if (!computed.ok) return computed;
  if (root.length !== HASH_SIZE) return merkleFail('MERKLE_BAD_HASH_LENGTH', `the root is not ${HASH_SIZE} bytes`);
  // Step 5, second half.
  if (!bytesEqual(computed.root, root)) {
    return merkleFail('MERKLE_ROOT_MISMATCH', 'the proof leads to another root', {
      index,
      size,
      expected: toHex(root),
      found: toHex(computed.root),
    });
  }
  return { ok: true };
}

/**
 * RFC 9162 §2.1.4.2: is the tree of size2 with root2 an append-only extension of the tree of size1
 * with root1? The RFC's algorithm covers 0 < size1 < size2; the two trivial cases around it are
 * decided first and demand an empty proof (the RFC's PROOF(m, D[m]) is empty, §2.1.4.1):
 *   size1 == size2: the roots must be equal;  size1 == 0: root1 must be the empty tree's root.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): MerkleVerdict {
  const refused = consistencyInputError(size1, size2, proof, root1, root2);
  if (refused) return refused;
  if (size1 === size2 || size1 === 0) return verifyTrivialConsistency(size1, size2, proof, root1, root2);
  return verifyProperConsistency(size1, size2, proof, root1, root2);
}

/** Sizes that are not sizes, or out of order, and hashes of the wrong length. */
function consistencyInputError(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): MerkleVerdict | null {
  if (!isSize(size1) || !isSize(size2))
    return merkleFail('MERKLE_BAD_SIZE', 'tree sizes must be non-negative integers', { size1, size2 });
  if (size2 < size1)
    return merkleFail('MERKLE_BAD_SIZE', `the second tree (${size2}) is smaller than the first (${size1})`, {
      size1,
      size2,
    });
  const bad = badHash([root1, root2, ...proof]);
  if (bad >= 0)
    return merkleFail(
      'MERKLE_BAD_HASH_LENGTH',
      `${bad < 2 ? `root${bad + 1}` : `hash #${bad - 2} of the proof`} is not ${HASH_SIZE} bytes`,
    );
  return null;
}

/** size1 == size2 or size1 == 0: an empty proof, and root1 equal to root2 or to the empty tree's root. */
function verifyTrivialConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): MerkleVerdict {
  if (proof.length > 0)
    return merkleFail('MERKLE_PROOF_NOT_EMPTY', 'a consistency proof between these sizes must be empty', {
      size1,
      size2,
      proofLength: proof.length,
    });
  const want = size1 === 0 ? EMPTY_ROOT : root2;
  if (!bytesEqual(root1, want)) {
    return merkleFail(
      'MERKLE_OLD_ROOT_MISMATCH',
      size1 === 0 ? 'root1 is not the root of the empty tree' : 'equal sizes with different roots',
      {
        expected: toHex(want),
        found: toHex(root1),
      },
    );
  }
  return { ok: true };
}

/** The RFC's steps 1 to 7, for 0 < size1 < size2. */
function verifyProperConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): MerkleVerdict {
  // Step 1.
  if (proof.length === 0) return merkleFail('MERKLE_PROOF_EMPTY', 'the consistency proof is empty', { size1, size2 });
  // Step 2: when size1 is a power of two, the old root is itself a node of the new tree.
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  // Step 3.
  let fn = size1 - 1;
  let sn = size2 - 1;
  // Step 4.
  while (odd(fn)) {
    fn = half(fn);
    sn = half(sn);
  }
  // Step 5.
  let fr = path[0]!;
  let sr = path[0]!;
  // Step 6.
  for (const c of path.slice(1)) {
    if (sn === 0)
      return merkleFail('MERKLE_PROOF_TOO_LONG', 'the proof has more hashes than the trees need', {
        size1,
        size2,
        proofLength: proof.length,
      });
    if (odd(fn) || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (!odd(fn)) {
        while (!odd(fn) && fn !== 0) {
          fn = half(fn);
          sn = half(sn);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = half(fn);
    sn = half(sn);
  }
  // Step 7.
  if (sn !== 0)
    return merkleFail('MERKLE_PROOF_TOO_SHORT', 'the proof has fewer hashes than the trees need', {
      size1,
      size2,
      proofLength: proof.length,
    });
  if (!bytesEqual(fr, root1))
    return merkleFail('MERKLE_OLD_ROOT_MISMATCH', 'the proof does not lead to the old root', {
      expected: toHex(root1),
      found: toHex(fr),
    });
  if (!bytesEqual(sr, root2))
    return merkleFail('MERKLE_ROOT_MISMATCH', 'the proof does not lead to the new root', {
      expected: toHex(root2),
      found: toHex(sr),
    });
  return { ok: true };
}

function isPowerOfTwo(n: number): boolean {
  if (n < 1) return false;
  while (n % 2 === 0) n /= 2;
  return n === 1;
}
