import { definerFailure, type DefinerOverrides } from './definer-errors';
import type { Queryable } from './queryable';

/**
 * Gateway keys as an administrator reads them, through the definer functions of migration 0027
 * on their own login (refused with ADMINISTRATOR_REQUIRED to anyone else).
 */

const CODES: DefinerOverrides = { AX403: 'ADMINISTRATOR_REQUIRED' };

export interface AdminGatewayKeyRow {
  tenantId: string;
  tenantSlug: string;
  keyName: string;
  publicKey: Buffer;
  validFrom: Date;
  validTo: Date | null;
  endedReason: 'rotated' | 'revoked' | null;
  registeredBy: string | null;
  endedBy: string | null;
  /** When the key last signed a stored checkpoint. */
  lastCheckpoint: Date | null;
}

/** Every tenant's gateway keys, by tenant slug then start. */
export async function adminGatewayKeys(q: Queryable): Promise<AdminGatewayKeyRow[]> {
  try {
    const r = await q.query<Record<string, unknown>>('SELECT * FROM arx.admin_gateway_keys()');
    return r.rows.map((x) => ({
      tenantId: x.tenant_id as string,
      tenantSlug: x.tenant_slug as string,
      keyName: x.key_name as string,
      publicKey: x.public_key as Buffer,
      validFrom: x.valid_from as Date,
      validTo: (x.valid_to as Date | null) ?? null,
      endedReason: (x.ended_reason as AdminGatewayKeyRow['endedReason']) ?? null,
      registeredBy: (x.registered_by as string | null) ?? null,
      endedBy: (x.ended_by as string | null) ?? null,
      lastCheckpoint: (x.last_checkpoint as Date | null) ?? null,
    }));
  } catch (err) {
    throw definerFailure(err, CODES);
  }
}

/** How many stored checkpoints of the key were issued at or after `at` (they stop verifying if its window ends at `at`). */
export async function adminGatewayKeyCheckpointsAfter(
  q: Queryable,
  tenantId: string,
  keyName: string,
  at: Date,
): Promise<number> {
  try {
    const r = await q.query<{ n: string }>('SELECT arx.admin_gateway_key_checkpoints_after($1, $2, $3) AS n', [
      tenantId,
      keyName,
      at,
    ]);
    return Number(r.rows[0]!.n);
  } catch (err) {
    throw definerFailure(err, CODES);
  }
}
