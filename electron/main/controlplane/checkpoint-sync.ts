import type pg from 'pg';
import { chainLink, eventDigest, type Blake3 } from '../../../shared/chain';
import { bytesEqual } from '../../../shared/bytes';
import { MerkleTree } from '../../../shared/merkle';
import { chainHashAt, storedRows } from './repos/events';

/** Why a checkpoint was not signed; `seq` or `size` locate the problem. */
export interface ChainRefusal {
  code:
    | 'CHAIN_ROW_MISMATCH'
    | 'CHAIN_NOT_CONTIGUOUS'
    | 'CHECKPOINT_HISTORY_REWRITTEN'
    | 'EVENT_WRITER_UNAUTHENTICATED'
    /** The signing key is not registered for the tenant, or registered with another public key. */
    | 'CHECKPOINT_KEY_UNKNOWN'
    /** The signing key's registered window (rotated, revoked, not yet begun) does not cover now. */
    | 'CHECKPOINT_KEY_OUTSIDE_WINDOW';
  message: string;
  seq?: number;
  size?: number;
  key?: string;
}

const PAGE_ROWS = 2000;

/**
 * The checkpointer's view of a tenant's chain: a Merkle tree over chain hashes that were each
 * recomputed from the stored bytes (d_i and h_i, docs/chain-format.md) before they were admitted.
 * A row whose stored digest or link does not follow from its bytes stops the tree there, so no
 * checkpoint can be signed over it.
 */
export class VerifiedChainReader {
  tree = new MerkleTree();
  /** h_{size-1} of the verified prefix, or the genesis hash. */
  head: Uint8Array;

  constructor(
    private readonly tenantId: string,
    private readonly b3: Blake3,
    private readonly genesis: Uint8Array,
  ) {
    this.head = genesis;
  }

  reset(): void {
    this.tree = new MerkleTree();
    this.head = this.genesis;
  }

  /** The writer's own rows, whose links it has just computed from the verified head. */
  appendOwn(hashes: readonly Uint8Array[]): void {
    for (const h of hashes) this.tree.append(h);
    if (hashes.length > 0) this.head = hashes[hashes.length - 1]!;
  }

  /** Brings the tree to exactly `size` verified leaves, or says which row refused. */
  async sync(client: pg.ClientBase, size: number): Promise<ChainRefusal | null> {
    await this.dropUncommitted(client, size);
    while (this.tree.size < size) {
      const refused = await this.readPage(client, Math.min(size, this.tree.size + PAGE_ROWS));
      if (refused) return refused;
    }
    return null;
  }

  /** A rolled-back append of ours may have left leaves that are not the committed ones. */
  private async dropUncommitted(client: pg.ClientBase, size: number): Promise<void> {
    if (this.tree.size > size) return this.reset();
    if (this.tree.size === 0) return;
    const stored = await chainHashAt(client, this.tenantId, this.tree.size - 1);
    if (!stored || !bytesEqual(new Uint8Array(stored), this.head)) this.reset();
  }

  private async readPage(client: pg.ClientBase, to: number): Promise<ChainRefusal | null> {
    for (const row of await storedRows(client, this.tenantId, this.tree.size, to)) {
      const refused = this.admit(row.seq, row);
      if (refused) return refused;
    }
    if (this.tree.size < to) {
      const seq = this.tree.size;
      return { code: 'CHAIN_NOT_CONTIGUOUS', seq, message: `the chain has no row at seq ${seq} below ${to}` };
    }
    return null;
  }

  private admit(seq: number, row: { bytes: Buffer; eventDigest: Buffer; chainHash: Buffer }): ChainRefusal | null {
    if (seq !== this.tree.size)
      return { code: 'CHAIN_NOT_CONTIGUOUS', seq: this.tree.size, message: `no row at seq ${this.tree.size}` };
    const digest = eventDigest(this.b3, new Uint8Array(row.bytes));
    if (!bytesEqual(digest, new Uint8Array(row.eventDigest)))
      return { code: 'CHAIN_ROW_MISMATCH', seq, message: `the stored digest of seq ${seq} is not that of its bytes` };
    const link = chainLink(this.b3, seq, this.head, digest);
    if (!bytesEqual(link, new Uint8Array(row.chainHash)))
      return { code: 'CHAIN_ROW_MISMATCH', seq, message: `the stored chain hash of seq ${seq} does not follow` };
    this.tree.append(link);
    this.head = link;
    return null;
  }
}
