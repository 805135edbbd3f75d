import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/** The constraint whose violation means "this item was delivered by someone else meanwhile". */
export const OUTBOX_RECEIPT_KEY = 'outbox_receipts_pkey';

/** True when an outbox item with this idempotency key was delivered to the tenant (arx.outbox_receipts, migration 0007). */
export async function hasOutboxReceipt(q: Queryable, tenantId: string, idempotencyKey: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM arx.outbox_receipts WHERE tenant_id = $1 AND idempotency_key = $2', [
    tenantId,
    idempotencyKey,
  ]);
  return Boolean(r.rowCount);
}

/**
 * Writes the receipt of one delivery, inside the delivery's transaction (primary key: tenant, key),
 * through arx.record_outbox_receipt: the receipt names the operator of the login, never a parameter.
 */
export async function recordOutboxReceipt(
  q: Queryable,
  receipt: { tenantId: string; idempotencyKey: string; kind: string; firstSeq: number },
): Promise<void> {
  await callDefiner(q, 'record_outbox_receipt', [
    receipt.tenantId,
    receipt.idempotencyKey,
    receipt.kind,
    receipt.firstSeq,
  ]);
}
