/**
 * Stable codes for notes, keys, checkpoints and offline proofs that do not parse or verify.
 * `details.line` is 1-based and counts lines of the whole text handed to the parser.
 */
export const NOTE_ERROR_CODES = [
  // signed note (c2sp.org/signed-note)
  'NOTE_TOO_LARGE',
  'NOTE_NOT_UTF8',
  'NOTE_CONTROL_CHARACTER',
  'NOTE_NO_SIGNATURES',
  'NOTE_SIGNATURE_MALFORMED',
  'NOTE_KEY_NAME_INVALID',
  'NOTE_TOO_MANY_SIGNATURES',
  'NOTE_DUPLICATE_SIGNATURE',
  'NOTE_SIGNATURE_INVALID',
  'NOTE_UNVERIFIED',
  // verifier and signer keys
  'KEY_MALFORMED',
  'KEY_HASH_MISMATCH',
  'KEY_UNSUPPORTED_ALGORITHM',
  // checkpoint body (c2sp.org/tlog-checkpoint) and the ARX profile of it
  'CHECKPOINT_TOO_FEW_LINES',
  'CHECKPOINT_ORIGIN_INVALID',
  'CHECKPOINT_SIZE_INVALID',
  'CHECKPOINT_ROOT_INVALID',
  'CHECKPOINT_EXTENSION_INVALID',
  'CHECKPOINT_ORIGIN_MISMATCH',
  // offline proof (c2sp.org/tlog-proof)
  'TLOG_PROOF_MALFORMED',
  'TLOG_PROOF_INVALID',
] as const;

export type NoteErrorCode = (typeof NOTE_ERROR_CODES)[number];

export interface NoteError {
  code: NoteErrorCode;
  message: string;
  details?: { line?: number; [key: string]: unknown };
}

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: NoteError };

export const noteOk = <T>(value: T): Parsed<T> => ({ ok: true, value });
export const noteFail = (
  code: NoteErrorCode,
  message: string,
  details?: NoteError['details'],
): { ok: false; error: NoteError } =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
