import type pg from 'pg';
import { chainLink, eventDigest, type Blake3 } from '../../../shared/chain';
import { bytesEqual } from '../../../shared/bytes';
import { MerkleTree } from '../../../shared/merkle';

/** Why a checkpoint was not signed; `seq` or `size` locate the problem. */
export interface ChainRefusal {
  code: 'CHAIN_ROW_MISMATCH' | 'CHAIN_NOT_CONTIGUOUS' | 'CHECKPOINT_HISTORY_REWRITTEN';
  message: string;
  seq?: number;
  size?: number;
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
    const r = await client.query<{ chain_hash: Buffer }>(
      'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
      [this.tenantId, this.tree.size - 1],
    );
    const stored = r.rows[0]?.chain_hash;
    if (!stored || !bytesEqual(new Uint8Array(stored), this.head)) this.reset();
  }

  private async readPage(client: pg.ClientBase, to: number): Promise<ChainRefusal | null> {
    const r = await client.query<{ seq: string; bytes: Buffer; event_digest: Buffer; chain_hash: Buffer }>(
      `SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events
       WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
      [this.tenantId, this.tree.size, to],
    );
    for (const row of r.rows) {
      const refused = this.admit(Number(row.seq), row);
      if (refused) return refused;
    }
    if (this.tree.size < to) {
      const seq = this.tree.size;
      return { code: 'CHAIN_NOT_CONTIGUOUS', seq, message: `the chain has no row at seq ${seq} below ${to}` };
    }
    return null;
  }

  private admit(seq: number, row: { bytes: Buffer; event_digest: Buffer; chain_hash: Buffer }): ChainRefusal | null {
    if (seq !== this.tree.size)
      return { code: 'CHAIN_NOT_CONTIGUOUS', seq: this.tree.size, message: `no row at seq ${this.tree.size}` };
    const digest = eventDigest(this.b3, new Uint8Array(row.bytes));
    if (!bytesEqual(digest, new Uint8Array(row.event_digest)))
      return { code: 'CHAIN_ROW_MISMATCH', seq, message: `the stored digest of seq ${seq} is not that of its bytes` };
    const link = chainLink(this.b3, seq, this.head, digest);
    if (!bytesEqual(link, new Uint8Array(row.chain_hash)))
      return { code: 'CHAIN_ROW_MISMATCH', seq, message: `the stored chain hash of seq ${seq} does not follow` };
    this.tree.append(link);
    this.head = link;
    return null;
  }
}
