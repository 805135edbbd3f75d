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

/** A registered witness key of the tenant by name (its public key), or undefined. */
export async function witnessKeyNamed(q: Queryable, tenantId: string, name: string): Promise<Uint8Array | undefined> {
  const r = await q.query<{ public_key: Buffer }>(
    'SELECT public_key FROM arx.witness_keys WHERE tenant_id = $1 AND name = $2',
    [tenantId, name],
  );
  const row = r.rows[0];
  return row ? new Uint8Array(row.public_key) : undefined;
}

/** Appends a witness's card-signed com.arx.witness.forkdetected event (definer function, migration 0031). */
export async function recordWitnessFork(q: Queryable, tenantId: string, event: unknown[]): Promise<void> {
  await callDefiner(q, 'record_witness_fork', [tenantId, ...event]);
}

export interface WitnessCheckpointRow {
  size: number;
  root: Uint8Array;
  note: string;
  issuedAt: Date;
  /** issued_at as PostgreSQL prints it (microseconds kept): the keyset position. */
  issuedKey: string;
  proof: Uint8Array[];
}

interface RawRow {
  tree_size: string;
  root: Buffer;
  note: string;
  issued_at: Date;
  issued_key: string;
  consistency_proof: Buffer[];
}
const COLUMNS = 'tree_size, root, note, issued_at, issued_at::text AS issued_key, consistency_proof';
const toWitnessRow = (x: RawRow): WitnessCheckpointRow => ({
  size: Number(x.tree_size),
  root: new Uint8Array(x.root),
  note: x.note,
  issuedAt: x.issued_at,
  issuedKey: x.issued_key,
  proof: x.consistency_proof.map((p) => new Uint8Array(p)),
});

/**
 * One page of stored checkpoints after the position (size, issued) in (size, issue time) order, the
 * order a witness catches up in; `after` null starts at `fromSize`.
 */
export async function checkpointsToWitness(
  q: Queryable,
  tenantId: string,
  fromSize: number,
  after: { size: number; issuedKey: string } | null,
  limit: number,
): Promise<WitnessCheckpointRow[]> {
  const r = after
    ? await q.query<RawRow>(
        `SELECT ${COLUMNS} FROM arx.checkpoints
          WHERE tenant_id = $1 AND (tree_size, issued_at) > ($2, $3::timestamptz) ORDER BY tree_size, issued_at LIMIT $4`,
        [tenantId, after.size, after.issuedKey, limit],
      )
    : await q.query<RawRow>(
        `SELECT ${COLUMNS} FROM arx.checkpoints
          WHERE tenant_id = $1 AND tree_size >= $2 ORDER BY tree_size, issued_at LIMIT $3`,
        [tenantId, fromSize, limit],
      );
  return r.rows.map(toWitnessRow);
}

/** Checkpoints smaller than `size` issued after `since`, oldest first: what a rolled-back log signs. */
export async function smallerCheckpointsSince(
  q: Queryable,
  tenantId: string,
  size: number,
  since: Date,
  limit: number,
): Promise<WitnessCheckpointRow[]> {
  const r = await q.query<RawRow>(
    `SELECT ${COLUMNS} FROM arx.checkpoints
      WHERE tenant_id = $1 AND tree_size < $2 AND issued_at > $3 ORDER BY issued_at LIMIT $4`,
    [tenantId, size, since, limit],
  );
  return r.rows.map(toWitnessRow);
}

/** When the checkpoint (size, root) was first stored, or undefined if it is not. */
export async function checkpointIssuedAt(
  q: Queryable,
  tenantId: string,
  size: number,
  root: Uint8Array,
): Promise<{ issuedAt: Date; note: string } | undefined> {
  const r = await q.query<{ issued_at: Date; note: string }>(
    `SELECT issued_at, note FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size = $2 AND root = $3
      ORDER BY issued_at LIMIT 1`,
    [tenantId, size, Buffer.from(root)],
  );
  const row = r.rows[0];
  return row ? { issuedAt: row.issued_at, note: row.note } : undefined;
}
