import { ArxFailure } from '../../../shared/contract';
import { MerkleFrontier, splitPoint, type MerkleHasher } from '../../../shared/merkle';
import { chainHashes } from '../controlplane/repos/events';
import type { Queryable } from '../controlplane/repos/queryable';

const BATCH = 50_000;

/** MTH(D[a:b]) over the stored chain hashes, streamed in batches through a frontier. */
async function rangeRoot(q: Queryable, tenantId: string, a: number, b: number, hasher: MerkleHasher) {
  const f = new MerkleFrontier(undefined, hasher);
  for (let s = a; s < b; s += BATCH) {
    for (const hash of await chainHashes(q, tenantId, s, Math.min(b, s + BATCH))) f.append(new Uint8Array(hash));
  }
  if (f.size !== b - a)
    throw new ArxFailure(
      'BUNDLE_CHAIN_NOT_CONTIGUOUS',
      `The chain has ${f.size} rows in seq ${a}..${b - 1}: it is not contiguous.`,
      { from: a, to: b - 1 },
    );
  return f.root();
}

/**
 * RFC 9162 §2.1.3.1 PATH(m, D[lo:hi]) without holding the tree: every element is the root of a
 * contiguous range, computed by streaming that range's chain hashes once (each leaf is read once
 * in all), so memory does not grow with the range.
 */
export async function inclusionPath(
  q: Queryable,
  tenantId: string,
  m: number,
  lo: number,
  hi: number,
  hasher: MerkleHasher,
): Promise<Uint8Array[]> {
  const n = hi - lo;
  if (n <= 1) return [];
  const k = splitPoint(n);
  if (m < k)
    return [
      ...(await inclusionPath(q, tenantId, m, lo, lo + k, hasher)),
      await rangeRoot(q, tenantId, lo + k, hi, hasher),
    ];
  return [
    ...(await inclusionPath(q, tenantId, m - k, lo + k, hi, hasher)),
    await rangeRoot(q, tenantId, lo, lo + k, hasher),
  ];
}
