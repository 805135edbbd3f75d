import { ArxFailure, type ErrorCode } from '../../../../shared/contract';
import type { Queryable } from './queryable';

/**
 * The refusals of the definer functions (migration 0011: SQLSTATE class AX) as ArxFailure codes.
 * The database is the last word on who may do what; the console's own checks come first and give
 * the friendlier message, so these mostly surface when the two disagree.
 */
const CODES: Record<string, ErrorCode> = {
  AX401: 'OPERATOR_UNKNOWN',
  AX402: 'INVALID_REQUEST',
  AX403: 'ROLE_REQUIRED',
  AX404: 'NOT_FOUND',
  AX405: 'POLICY_VERSION_EXISTS',
  AX409: 'POLICY_STATE_INVALID',
  AX410: 'POLICY_SELF_APPROVAL',
  AX412: 'POLICY_PUBLICATION_STALE',
  AX413: 'POLICY_ROLLBACK_INVALID',
  AX422: 'POLICY_SIGNATURE_INVALID',
  AX423: 'POLICY_SIGNATURE_INVALID',
  AX424: 'CHAIN_APPEND_REFUSED' as ErrorCode,
  AX430: 'WITNESS_FORK_DETECTED',
  AX431: 'WITNESS_ROLLBACK_REFUSED',
  AX432: 'COSIGNATURE_MALFORMED',
};

export type DefinerOverrides = Partial<Record<keyof typeof CODES, ErrorCode>>;

/** The ArxFailure of a definer refusal (`overrides` names a step's own code), else `err` unchanged. */
export function definerFailure(err: unknown, overrides: DefinerOverrides = {}): unknown {
  const e = err as { code?: string; message?: string; detail?: string };
  const code = e.code ? (overrides[e.code] ?? CODES[e.code]) : undefined;
  if (!code) return err;
  const message = (e.message ?? '').replace(/^arx: /, '');
  const text = `The control plane refused the change: ${message.charAt(0).toUpperCase()}${message.slice(1)}.`;
  const details: Record<string, unknown> = { sqlstate: e.code };
  if (e.code === 'AX403' && e.detail) details.roles = e.detail.split(',');
  if (e.code === 'AX409' && e.detail) details.state = e.detail;
  return new ArxFailure(code, text, details);
}

/** The definer functions (migrations 0011, 0018, 0022, 0025), the only names callDefiner puts into SQL text. */
export type DefinerFunction =
  | 'save_draft'
  | 'discard_draft'
  | 'submit_version'
  | 'approve_version'
  | 'reject_version'
  | 'publish_version'
  | 'request_rollback'
  | 'approve_rollback'
  | 'record_review'
  | 'record_bundle_export'
  | 'record_cache_anchor'
  | 'record_outbox_receipt'
  | 'record_session_event'
  | 'register_witness_key'
  | 'record_cosignature'
  | 'store_companion_key'
  | 'revoke_companion_key'
  | 'record_witness_fork';

/** Calls `arx.<fn>(params…)` (a definer function), its refusals as ArxFailure values. */
export async function callDefiner<R extends Record<string, unknown> = Record<string, unknown>>(
  q: Queryable,
  fn: DefinerFunction,
  params: readonly unknown[],
  overrides?: DefinerOverrides,
): Promise<R | undefined> {
  try {
    const r = await q.query<R>(`SELECT arx.${fn}(${params.map((_, i) => `$${i + 1}`).join(', ')}) AS result`, [
      ...params,
    ]);
    return r.rows[0];
  } catch (err) {
    throw definerFailure(err, overrides);
  }
}
