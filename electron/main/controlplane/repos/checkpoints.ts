import type { Queryable } from './queryable';

/**
 * Signed tree heads (arx.checkpoints) and the gateway verifier keys that sign them
 * (arx.gateway_keys). Called inside withTenant.
 */

export interface NewCheckpoint {
  size: number;
  root: Uint8Array;
  note: string;
  keyName: string;
  /** RFC 3339 with microseconds. */
  issuedAt: string;
  consistencyProof: Uint8Array[];
}

export async function insertCheckpoint(q: Queryable, tenantId: string, c: NewCheckpoint): Promise<void> {
  await q.query(
    `INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at, consistency_proof)
     VALUES ($1, $2, $3, $4, $5, $6::timestamptz, $7::bytea[])`,
    [
      tenantId,
      c.size,
      Buffer.from(c.root),
      c.note,
      c.keyName,
      c.issuedAt,
      c.consistencyProof.map((p) => Buffer.from(p)),
    ],
  );
}

/** The largest tree size checkpointed so far (0 when none). */
export async function largestCheckpointSize(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ size: string | null }>(
    'SELECT max(tree_size) AS size FROM arx.checkpoints WHERE tenant_id = $1',
    [tenantId],
  );
  return Number(r.rows[0]?.size ?? 0);
}

/** The checkpoint of the largest tree size, newest issue first (null when none). */
export async function newestCheckpoint(
  q: Queryable,
  tenantId: string,
): Promise<{ size: number; issuedAt: Date } | null> {
  const r = await q.query<{ tree_size: string; issued_at: Date }>(
    `SELECT tree_size, issued_at FROM arx.checkpoints WHERE tenant_id = $1
     ORDER BY tree_size DESC, issued_at DESC LIMIT 1`,
    [tenantId],
  );
  const row = r.rows[0];
  return row ? { size: Number(row.tree_size), issuedAt: row.issued_at } : null;
}

export interface CheckpointRow {
  tree_size: string;
  root: Buffer;
  note: string;
  key_name: string;
  issued_at: Date;
  consistency_proof: Buffer[];
}

/** Every checkpoint of the tenant by size, then time (what an export or a verifier walks). */
export async function checkpointsBySize(q: Queryable, tenantId: string): Promise<CheckpointRow[]> {
  const r = await q.query<CheckpointRow>(
    'SELECT tree_size, root, note, key_name, issued_at, consistency_proof FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY tree_size, issued_at',
    [tenantId],
  );
  return r.rows;
}

/** The first few checkpoints that cover seq (tree size > seq), smallest first. */
export async function checkpointsCovering(
  q: Queryable,
  tenantId: string,
  seq: number,
  limit: number,
): Promise<{ size: number; note: string; issuedAt: Date }[]> {
  const r = await q.query<{ tree_size: string; note: string; issued_at: Date }>(
    `SELECT tree_size, note, issued_at FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size > $2
     ORDER BY tree_size, issued_at LIMIT $3`,
    [tenantId, seq, limit],
  );
  return r.rows.map((x) => ({ size: Number(x.tree_size), note: x.note, issuedAt: x.issued_at }));
}

export interface GatewayKeyRow {
  keyName: string;
  publicKey: Buffer;
  validFrom: Date;
  validTo: Date | null;
}

/** The tenant's gateway verifier keys with their validity windows, oldest first (or by name). */
export async function gatewayKeysOf(
  q: Queryable,
  tenantId: string,
  order: 'valid_from' | 'key_name' = 'valid_from',
): Promise<GatewayKeyRow[]> {
  const r = await q.query<{ key_name: string; public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
    `SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1 ORDER BY ${order === 'key_name' ? 'key_name' : 'valid_from'}`,
    [tenantId],
  );
  return r.rows.map((x) => ({
    keyName: x.key_name,
    publicKey: x.public_key,
    validFrom: x.valid_from,
    validTo: x.valid_to,
  }));
}

/** One registered key of the tenant by name (what the checkpointer checks before it signs), or null. */
export async function gatewayKeyNamed(q: Queryable, tenantId: string, keyName: string): Promise<GatewayKeyRow | null> {
  const r = await q.query<{ public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
    'SELECT public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1 AND key_name = $2',
    [tenantId, keyName],
  );
  const x = r.rows[0];
  return x ? { keyName, publicKey: x.public_key, validFrom: x.valid_from, validTo: x.valid_to } : null;
}

/** Registers a verifier key (the owner's pool: a gateway may not enrol its own keys). */
export async function insertGatewayKey(
  admin: Queryable,
  tenantId: string,
  k: { keyName: string; publicKey: Uint8Array; validFrom: Date; validTo: Date | null },
): Promise<void> {
  await admin.query(
    `INSERT INTO arx.gateway_keys (tenant_id, key_name, algorithm, public_key, valid_from, valid_to)
     VALUES ($1, $2, 'ed25519', $3, $4, $5) ON CONFLICT (tenant_id, key_name) DO NOTHING`,
    [tenantId, k.keyName, Buffer.from(k.publicKey), k.validFrom, k.validTo],
  );
}

/** One page of checkpoint rows, newest first (by time, then size). */
export async function checkpointsNewestFirst(
  q: Queryable,
  tenantId: string,
  limit: number,
  offset: number,
): Promise<{ tree_size: string; root: Buffer; note: string; issued_at: Date }[]> {
  const r = await q.query<{ tree_size: string; root: Buffer; note: string; issued_at: Date }>(
    `SELECT tree_size, root, note, issued_at FROM arx.checkpoints WHERE tenant_id = $1
     ORDER BY issued_at DESC, tree_size DESC LIMIT ${Math.trunc(limit)} OFFSET $2`,
    [tenantId, offset],
  );
  return r.rows;
}
