import { ArxFailure } from '../../../shared/contract';

// CACHE_LOCKED is the local side of the same "try later": an outbox run or an offline write waits for the card.
const TRANSIENT_CODES = new Set(['DB_UNREACHABLE', 'DB_NOT_CONFIGURED', 'CACHE_LOCKED']);

/**
 * A failure that says "try later" (the control plane is unreachable or busy) rather than "this is refused":
 * the outbox keeps the item, and a signing or verifying command falls back to its offline path.
 */
export function isTransient(err: unknown): boolean {
  if (err instanceof ArxFailure) return TRANSIENT_CODES.has(err.code);
  const e = err as { code?: unknown; message?: unknown };
  const code = typeof e?.code === 'string' ? e.code : '';
  // SQLSTATE 08 (connection), 57P (shutdown / admin), 53 (resources), 40 (serialization/deadlock),
  // 28 (authentication: a rotated console password, pg_hba being edited): retry. None of them says
  // anything about the item, and marking a signed artifact rejected for them would strand it.
  if (/^(08|57P|53|40|28)/.test(code)) return true;
  if (/^E[A-Z]+$/.test(code)) return true; // ECONNREFUSED, ECONNRESET, ETIMEDOUT…
  const msg = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection timeout|Client has encountered a connection error|not queryable/i.test(msg);
}
