import { z } from 'zod';

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
