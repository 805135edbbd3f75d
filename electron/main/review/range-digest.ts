import type pg from 'pg';
import { toHex } from '../../../shared/bytes';
import { genesisHash, type Blake3 } from '../../../shared/chain';
import { MerkleFrontier, type MerkleHasher } from '../../../shared/merkle';
import { chainHashPage } from '../controlplane/repos/events';

/** What a fidelity certificate's subject commits to (docs/fidelity-certificates.md §Subject). */
export interface RangeDigests {
  /** RFC 9162 SHA-256 root over the stored chain hashes of seq 0 … toSeq, in seq order. */
  root: string;
  /** The stored chain hash h_toSeq (BLAKE3). */
  head: string;
  /** h_(fromSeq-1), or the genesis hash G when fromSeq = 0. */
  previousHead: string;
  /** Stored rows with seq ≤ toSeq (toSeq + 1 on an intact chain). */
  rows: number;
}

/**
 * Recomputes the range digests from the stored chain hashes, inside the caller's transaction
 * (tenant set). The tree is always rooted at seq 0, so that a certificate over 1000…1999 still
 * commits to everything before it, exactly as a checkpoint of size 2000 does.
 */
export async function rangeDigests(
  client: pg.PoolClient,
  tenantId: string,
  fromSeq: number,
  toSeq: number,
  b3: Blake3,
  hasher?: MerkleHasher,
): Promise<RangeDigests> {
  const frontier = new MerkleFrontier(undefined, hasher);
  let head: Uint8Array | null = null;
  let previous: Uint8Array | null = fromSeq === 0 ? genesisHash(b3, tenantId) : null;
  let last = -1;
  const PAGE = 50_000;
  for (;;) {
    const rows = await chainHashPage(client, tenantId, last, toSeq, PAGE);
    for (const row of rows) {
      const seq = row.seq;
      const h = new Uint8Array(row.chainHash);
      frontier.append(h);
      if (seq === fromSeq - 1) previous = h;
      if (seq === toSeq) head = h;
      last = seq;
    }
    if (rows.length < PAGE) break;
  }
  const zero = '0'.repeat(64);
  return {
    root: toHex(frontier.root()),
    head: head ? toHex(head) : zero,
    previousHead: previous ? toHex(previous) : zero,
    rows: frontier.size,
  };
}
