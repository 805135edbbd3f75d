import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/** Registers the acting ISSO's witness key for the tenant (definer function, migration 0022). */
export async function registerWitnessKey(q: Queryable, tenantId: string, name: string, publicKey: Uint8Array) {
  await callDefiner(q, 'register_witness_key', [tenantId, name, Buffer.from(publicKey)]);
}

/** Attaches one cosignature line to a stored checkpoint, as the witness's own operator. */
export async function recordCosignature(
  q: Queryable,
  tenantId: string,
  c: { treeSize: number; root: Uint8Array; line: string },
): Promise<void> {
  await callDefiner(q, 'record_cosignature', [tenantId, c.treeSize, Buffer.from(c.root), c.line]);
}

export interface CosignatureRow {
  witness_name: string;
  tree_size: string;
  root: Buffer;
  cosigned_at: string;
  line: string;
}

/** The stored cosignatures of a tenant's checkpoints, by size then witness. */
export async function cosignaturesOf(q: Queryable, tenantId: string): Promise<CosignatureRow[]> {
  const r = await q.query<CosignatureRow>(
    `SELECT witness_name, tree_size, root, cosigned_at, line FROM arx.checkpoint_cosignatures
      WHERE tenant_id = $1 ORDER BY tree_size, witness_name, cosigned_at`,
    [tenantId],
  );
  return r.rows;
}

/** The newest head a witness cosigned in the control plane: its high-water mark there. */
export async function latestCosignedBy(
  q: Queryable,
  tenantId: string,
  witnessName: string,
): Promise<{ treeSize: number; root: Uint8Array } | undefined> {
  const r = await q.query<{ tree_size: string; root: Buffer }>(
    `SELECT tree_size, root FROM arx.checkpoint_cosignatures WHERE tenant_id = $1 AND witness_name = $2
      ORDER BY tree_size DESC LIMIT 1`,
    [tenantId, witnessName],
  );
  const row = r.rows[0];
  return row ? { treeSize: Number(row.tree_size), root: new Uint8Array(row.root) } : undefined;
}

/** The stored checkpoints of one size, each with the cosignature lines on its (size, root). */
export async function cosignedCheckpointsAt(
  q: Queryable,
  tenantId: string,
  treeSize: number,
): Promise<{ root: Buffer; note: string; lines: string[] }[]> {
  const r = await q.query<{ root: Buffer; note: string; lines: string[] }>(
    `SELECT c.root, c.note,
            coalesce((SELECT array_agg(w.line ORDER BY w.witness_name, w.cosigned_at) FROM arx.checkpoint_cosignatures w
                       WHERE w.tenant_id = c.tenant_id AND w.tree_size = c.tree_size AND w.root = c.root), '{}') AS lines
       FROM arx.checkpoints c WHERE c.tenant_id = $1 AND c.tree_size = $2 ORDER BY c.issued_at`,
    [tenantId, treeSize],
  );
  return r.rows;
}
