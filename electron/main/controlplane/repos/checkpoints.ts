import type { Queryable } from './queryable';

/**
 * Signed tree heads (arx.checkpoints) and the gateway verifier keys that sign them
 * (arx.gateway_keys). Called inside a tenant transaction.
 */

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

export interface GatewayKeyRow {
  keyName: string;
  publicKey: Buffer;
  validFrom: Date;
  validTo: Date | null;
}

/** The tenant's gateway verifier keys with their validity windows, oldest first. */
export async function gatewayKeysOf(q: Queryable, tenantId: string): Promise<GatewayKeyRow[]> {
  const r = await q.query<{ key_name: string; public_key: Buffer; valid_from: Date; valid_to: Date | null }>(
    'SELECT key_name, public_key, valid_from, valid_to FROM arx.gateway_keys WHERE tenant_id = $1 ORDER BY valid_from',
    [tenantId],
  );
  return r.rows.map((x) => ({
    keyName: x.key_name,
    publicKey: x.public_key,
    validFrom: x.valid_from,
    validTo: x.valid_to,
  }));
}
