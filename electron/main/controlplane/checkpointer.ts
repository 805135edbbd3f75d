import type pg from 'pg';
import { genesisHash, nobleBlake3, type Blake3 } from '../../../shared/chain';
import { formatArxCheckpoint, signNote, type NoteSigner } from '../../../shared/checkpoint';
import { eventTime } from '../../../shared/events';
import { bytesEqual } from '../../../shared/bytes';
import { leafHash, MerkleTree } from '../../../shared/merkle';
import type { AfterAppend } from './chain-writer';

export interface CheckpointPolicy {
  /** Issue a checkpoint whenever the chain crosses a multiple of this many events. */
  everyEvents: number;
  /** …and whenever this long has passed since the last one, also when nothing happened. */
  everyMs: number;
}

export interface IssuedCheckpoint {
  size: number;
  root: Uint8Array;
  note: string;
  time: string;
}

/**
 * Issues the signed tree heads of one tenant's chain (DESIGN.md, "Checkpoints"): an RFC 9162
 * Merkle tree over the chain hashes h_0 … h_{size-1}, as a C2SP signed note in the ARX profile
 * (arx-time, arx-head), with the RFC 9162 §2.1.4 consistency proof from the previous checkpoint.
 *
 * It runs inside the chain writer's transaction (as its afterAppend hook), so a checkpoint and
 * the events it covers commit together, under the same per-tenant lock. It keeps the tree in
 * memory and catches up from the database when another writer appended in between.
 */
export class Checkpointer {
  private tree = new MerkleTree();
  private readonly b3: Blake3;
  private issued: IssuedCheckpoint[] = [];

  constructor(
    readonly tenantId: string,
    private readonly signer: NoteSigner,
    private readonly policy: CheckpointPolicy,
    private readonly now: () => Date = () => new Date(),
    blake3: Blake3 = nobleBlake3,
  ) {
    this.b3 = blake3;
  }

  /** Checkpoints issued since the last call, for the caller to record as com.arx.checkpoint.issued events. */
  drainIssued(): IssuedCheckpoint[] {
    const out = this.issued;
    this.issued = [];
    return out;
  }

  readonly afterAppend: AfterAppend = async (client, { size, head, hashes }) => {
    await this.syncTree(client, size - hashes.length);
    for (const h of hashes) this.tree.append(h);
    const last = await this.lastCheckpoint(client);
    const crossed =
      Math.floor(size / this.policy.everyEvents) > Math.floor((last?.size ?? 0) / this.policy.everyEvents);
    const stale = !last || this.now().getTime() - last.issuedAt.getTime() >= this.policy.everyMs;
    if (crossed || stale) await this.issue(client, size, head, last);
  };

  /**
   * The timer side: issues a checkpoint when `everyMs` has passed, even if no event arrived, so
   * that silence is provable. Takes the same lock as the writer.
   */
  async tick(pool: pg.Pool): Promise<IssuedCheckpoint | null> {
    const client = await pool.connect();
    try {
      await client.query('BEGIN');
      await client.query("SELECT set_config('arx.tenant_id', $1, true)", [this.tenantId]);
      await client.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [`arx-chain:${this.tenantId}`]);
      const last = await this.lastCheckpoint(client);
      if (last && this.now().getTime() - last.issuedAt.getTime() < this.policy.everyMs) {
        await client.query('COMMIT');
        return null;
      }
      const headRow = await client.query<{ seq: string; chain_hash: Buffer }>(
        'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
        [this.tenantId],
      );
      const size = headRow.rows[0] ? Number(headRow.rows[0].seq) + 1 : 0;
      const head = headRow.rows[0] ? new Uint8Array(headRow.rows[0].chain_hash) : genesisHash(this.b3, this.tenantId);
      await this.syncTree(client, size);
      const issued = await this.issue(client, size, head, last);
      await client.query('COMMIT');
      return issued;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      this.tree = new MerkleTree();
      throw err;
    } finally {
      client.release();
    }
  }

  /** Brings the in-memory tree to exactly `size` leaves of what is committed in the database. */
  private async syncTree(client: pg.ClientBase, size: number): Promise<void> {
    if (this.tree.size > 0 && this.tree.size <= size) {
      // A rolled-back append of ours may have left leaves that are not the committed ones: check the newest.
      const r = await client.query<{ chain_hash: Buffer }>(
        'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
        [this.tenantId, this.tree.size - 1],
      );
      const stored = r.rows[0]?.chain_hash;
      if (!stored || !bytesEqual(leafHash(new Uint8Array(stored)), this.tree.leafHash(this.tree.size - 1)))
        this.tree = new MerkleTree();
    } else if (this.tree.size > size) {
      this.tree = new MerkleTree();
    }
    if (this.tree.size === size) return;
    const r = await client.query<{ chain_hash: Buffer }>(
      'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
      [this.tenantId, this.tree.size, size],
    );
    for (const row of r.rows) this.tree.append(new Uint8Array(row.chain_hash));
    if (this.tree.size !== size)
      throw new Error(`checkpointer: the chain has ${this.tree.size} rows below seq ${size}: it is not contiguous`);
  }

  private async lastCheckpoint(client: pg.ClientBase): Promise<{ size: number; issuedAt: Date } | null> {
    const r = await client.query<{ tree_size: string; issued_at: Date }>(
      'SELECT tree_size, issued_at FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY issued_at DESC, tree_size DESC LIMIT 1',
      [this.tenantId],
    );
    return r.rows[0] ? { size: Number(r.rows[0].tree_size), issuedAt: r.rows[0].issued_at } : null;
  }

  private async issue(
    client: pg.ClientBase,
    size: number,
    head: Uint8Array,
    last: { size: number } | null,
  ): Promise<IssuedCheckpoint> {
    const root = this.tree.root(size);
    const proof = last && last.size > 0 && last.size <= size ? this.tree.consistencyProof(last.size, size) : [];
    const time = eventTime(this.now(), 0);
    const note = signNote(formatArxCheckpoint({ tenantId: this.tenantId, size, root, time, head }), [this.signer]);
    await client.query(
      `INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at, consistency_proof)
       VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::bytea[])`,
      [this.tenantId, size, Buffer.from(root), note, this.signer.name, time, proof.map((p) => Buffer.from(p))],
    );
    const issued = { size, root, note, time };
    this.issued.push(issued);
    return issued;
  }
}
