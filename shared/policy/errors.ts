import type { SourceLocation } from './locations';

/**
 * Stable codes of everything the policy engine reports. Scripts, the editor and auditors match on
 * them: add new codes at the end, never rename one. The error shape is the contract's
 * ({ code, message, details }) so that a handler can pass it across the boundary unchanged.
 */
export const POLICY_ERROR_CODES = [
  /** The policy text is not Cedar. Located. */
  'POLICY_PARSE_ERROR',
  /** Strict validation against the schema failed. Located, with the policy id. */
  'POLICY_VALIDATION_ERROR',
  /** Strict validation passed with a warning (e.g. a confusable identifier). Located. */
  'POLICY_VALIDATION_WARNING',
  /** A policy has no @id("...") annotation: its id would depend on its position in the file. Located. */
  'POLICY_ID_MISSING',
  /** Two policies share an @id. Located at the second one. */
  'POLICY_ID_DUPLICATE',
  /** An @id outside [A-Za-z0-9._:-]{1,128} (ids are sorted and recorded; keep their order unambiguous). Located. */
  'POLICY_ID_INVALID',
  /** Templates (?principal, ?resource slots) are not part of a gateway policy version. Located. */
  'POLICY_TEMPLATE_UNSUPPORTED',
  /** The Cedar schema does not parse. Located in the schema text. */
  'POLICY_SCHEMA_ERROR',
  /** A request (context, entities, principal, resource) does not conform to the schema. */
  'POLICY_REQUEST_INVALID',
  /** The gateway request names a user, team or model that the directory does not know. */
  'POLICY_ENTITY_UNKNOWN',
  /** A recorded decision names a different policy version than the one loaded for replay. */
  'POLICY_VERSION_MISMATCH',
  /** Cedar answered in a way the engine does not expect; a bug, never the user's fault. */
  'POLICY_ENGINE_ERROR',
] as const;

export type PolicyErrorCode = (typeof POLICY_ERROR_CODES)[number];

/** One finding about a policy text, with where it is. */
export interface PolicyDiagnostic {
  code: PolicyErrorCode;
  message: string;
  /** Cedar's hint, when it gives one. */
  help?: string;
  /** Our id (from @id) of the policy concerned, when known. */
  policyId?: string;
  /** Which text the location points into. */
  source?: 'policies' | 'schema';
  location?: SourceLocation;
}

export interface PolicyError {
  code: PolicyErrorCode;
  message: string;
  details?: Record<string, unknown> & { diagnostics?: PolicyDiagnostic[] };
}

export type PolicyResult<T> = { ok: true; value: T } | { ok: false; error: PolicyError };

export const policyOk = <T>(value: T): PolicyResult<T> => ({ ok: true, value });

export function policyFail(
  code: PolicyErrorCode,
  message: string,
  details?: PolicyError['details'],
): PolicyResult<never> {
  return details === undefined
    ? { ok: false, error: { code, message } }
    : { ok: false, error: { code, message, details } };
}
