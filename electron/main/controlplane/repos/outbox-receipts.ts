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

/** Writes the receipt of one delivery, inside the delivery's transaction (primary key: tenant, key). */
export async function insertOutboxReceipt(
  q: Queryable,
  receipt: { tenantId: string; idempotencyKey: string; kind: string; operatorId: string | null; firstSeq: number },
): Promise<void> {
  await q.query(
    'INSERT INTO arx.outbox_receipts (tenant_id, idempotency_key, kind, operator_id, first_seq) VALUES ($1, $2, $3, $4, $5)',
    [receipt.tenantId, receipt.idempotencyKey, receipt.kind, receipt.operatorId, receipt.firstSeq],
  );
}
