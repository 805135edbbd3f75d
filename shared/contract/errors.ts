import { z } from 'zod';
import { ADMINISTRATION_ERROR_CODES } from './domains/administration';
import { AUDIT_EXPLORER_ERROR_CODES } from './domains/audit-explorer';
import { AUDIT_VERIFY_ERROR_CODES } from './domains/audit-verify';
import { BUNDLE_ERROR_CODES } from './domains/bundle';
import { CACHE_ERROR_CODES } from './domains/cache';
import { POLICY_AUTHORING_ERROR_CODES } from './domains/policy-authoring';
import { POLICY_LIFECYCLE_ERROR_CODES } from './domains/policy-lifecycle';
import { REVIEW_ERROR_CODES } from './domains/review';
import { WITNESS_ERROR_CODES } from '../witness/errors';
import { COMPANION_ERROR_CODES } from '../companion/errors';

/**
 * Stable error codes. A code, once shipped, keeps its meaning: scripts and auditors match on it.
 * Add new codes at the end of their group; never rename one.
 */
export const ERROR_CODES = [
  // boundary
  'INVALID_REQUEST',
  'UNKNOWN_COMMAND',
  'UNTRUSTED_SENDER',
  'CONSENT_REQUIRED',
  'INTERNAL',
  // configuration
  'CONFIG_INVALID',
  'CONFIG_UNREADABLE',
  // control plane
  'DB_UNREACHABLE',
  'DB_NOT_CONFIGURED',
  'DB_IN_USE',
  'DB_TLS_REQUIRED',
  'DB_MIGRATION_FAILED',
  'NOT_FOUND',
  // audit log
  'EVENT_INVALID',
  'EVENT_DUPLICATE_ID',
  'CANCELLED',
  // card and PKI
  'CERT_MALFORMED',
  'CERT_UNTRUSTED',
  'CERT_SIGNATURE_INVALID',
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_NOT_CA',
  'CERT_WRONG_KEY_USAGE',
  'CERT_WRONG_EKU',
  'CERT_POLICY_MISSING',
  'CERT_UPN_MISSING',
  'CRL_MISSING',
  'CRL_EXPIRED',
  'CRL_SIGNATURE_INVALID',
  'PKI_FILE_INVALID',
  'EDIPI_MISSING',
  'EDIPI_MISMATCH',
  'EDIPI_MALFORMED',
  'TEST_CARD_PROVISION_FAILED',
  // card
  'CARD_MODULE_UNAVAILABLE',
  'CARD_WORKER_FAILED',
  'CARD_MODULE_UNRESPONSIVE',
  'CARD_ERROR',
  'CARD_REMOVED',
  'CARD_SESSION_CLOSED',
  'CARD_NOT_LOGGED_IN',
  'CARD_MECHANISM_UNSUPPORTED',
  'CARD_KEY_UNSUPPORTED',
  'CARD_KEY_MISSING',
  'CARD_KEY_MISMATCH',
  'CARD_CERT_MISSING',
  'CARD_CERT_AMBIGUOUS',
  'CARD_CERT_INVALID',
  'PIN_INCORRECT',
  'PIN_INVALID',
  'PIN_LOCKED',
  'PIN_EXPIRED',
  'PIN_FINAL_TRY_UNCONFIRMED',
  // operator session
  /** Card-level session steps (lock, unlock, sign) with nobody logged in; commands answer SESSION_REQUIRED. */
  'SESSION_NONE',
  /** Signing with the console locked; commands answer SESSION_REQUIRED (details.locked). */
  'SESSION_LOCKED',
  'SESSION_ACTIVE',
  'SESSION_OTHER_CARD',
  'OPERATOR_UNKNOWN',
  'OPERATOR_DISABLED',
  'CARD_TRUST_NOT_CONFIGURED',
  'OPERATOR_LOGIN_NOT_ENROLLED',
  'OPERATOR_LOGIN_OTHER_CARD',
  'OPERATOR_LOGIN_UNWRAP_FAILED',
  'OPERATOR_DB_LOGIN_FAILED',
  // command line
  'CLI_PIN_IN_ARGUMENTS',
  'CARD_PIN_REQUIRED',
  'CARD_NOT_CHOSEN',
  'PROVISION_NOT_DEMO',
  // authorization (the registry, from each command's access declaration)
  /** Nobody is logged in, or the console is locked (details.locked). */
  'SESSION_REQUIRED',
  /** The operator holds none of the roles the command needs in its tenant (details.roles, details.tenant). */
  'ROLE_REQUIRED',
  // file arguments (checked by main before the handler runs; details.path names the field)
  /** Empty, a NUL byte, or a relative path where only an absolute one is taken. */
  'FILE_PATH_INVALID',
  'FILE_NOT_FOUND',
  'FILE_UNREADABLE',
  /** A directory, FIFO, device or socket (details.kind). */
  'FILE_NOT_REGULAR',
  /** Larger than the command takes (details.bytes, details.maxBytes). */
  'FILE_TOO_LARGE',
  /** Outside the folder it must be in, or `..` in the path (details.folder). */
  'FILE_OUTSIDE_FOLDER',
  // domains (each in its own table under ./domains)
  ...POLICY_AUTHORING_ERROR_CODES,
  ...POLICY_LIFECYCLE_ERROR_CODES,
  ...AUDIT_VERIFY_ERROR_CODES,
  ...AUDIT_EXPLORER_ERROR_CODES,
  ...REVIEW_ERROR_CODES,
  ...CACHE_ERROR_CODES,
  ...BUNDLE_ERROR_CODES,
  ...ADMINISTRATION_ERROR_CODES,
  ...WITNESS_ERROR_CODES,
  ...COMPANION_ERROR_CODES,
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export const ArxErrorSchema = z
  .object({
    code: z.string().min(1),
    message: z.string(),
    details: z.record(z.string(), z.unknown()).optional(),
  })
  .strict();

export interface ArxError {
  code: ErrorCode | (string & {});
  message: string;
  details?: Record<string, unknown>;
}

/** An error value that a handler may throw on purpose; the registry turns it into an envelope. */
export class ArxFailure extends Error {
  readonly code: ErrorCode | (string & {});
  readonly details?: Record<string, unknown>;
  constructor(code: ErrorCode | (string & {}), message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = 'ArxFailure';
    this.code = code;
    if (details !== undefined) this.details = details;
  }
  toError(): ArxError {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}
