/**
 * Stable codes for witness keys, cosignatures and the witness's add-checkpoint decisions. The
 * decisions map onto the HTTP statuses of c2sp.org/tlog-witness ("add-checkpoint"), given in
 * brackets, so that a network front end can answer as the spec requires.
 */
export const WITNESS_ERROR_CODES = [
  // witness keys (c2sp.org/signed-note "Verifier keys", type 0x04)
  'WITNESS_KEY_MALFORMED',
  'WITNESS_KEY_HASH_MISMATCH',
  'WITNESS_KEY_UNSUPPORTED_ALGORITHM',
  // cosignature lines (c2sp.org/tlog-cosignature)
  'COSIGNATURE_MALFORMED',
  'COSIGNATURE_INVALID',
  // add-checkpoint request body
  /** [400] not `old <size>`, proof lines, a blank line and a checkpoint; or old size above the checkpoint's. */
  'WITNESS_REQUEST_MALFORMED',
  /** [404] the checkpoint's origin is not a log this witness follows. */
  'WITNESS_LOG_UNKNOWN',
  /** [403] no verified signature from the log's keys, or a known key's signature fails. */
  'WITNESS_CHECKPOINT_UNVERIFIED',
  /** [409] the old size is not the size this witness last cosigned (details.latestSize). */
  'WITNESS_OLD_SIZE_MISMATCH',
  /** [422] the consistency proof from the last cosigned checkpoint does not verify. */
  'WITNESS_PROOF_INVALID',
  /** [422] a size-0 checkpoint whose root is not the empty tree's. */
  'WITNESS_EMPTY_TREE_ROOT',
  /** [422] same size as the last cosigned checkpoint, different root: two signed histories. */
  'WITNESS_FORK_DETECTED',
  /** [409] smaller than the last cosigned checkpoint: the log (or someone) offers an older head. */
  'WITNESS_ROLLBACK_REFUSED',
  /** The witness's own state is older than a cosignature it has already made. */
  'WITNESS_STATE_ROLLED_BACK',
  // quorum of a cosigned checkpoint
  /** Fewer than the required number of distinct trusted witnesses cosigned (details.required, details.valid). */
  'WITNESS_QUORUM_NOT_MET',
  // a witness kept in files
  /** The key or state file is missing, of another witness, or changed without the witness key. */
  'WITNESS_STATE_INVALID',
  /** Another process holds the state's lock. */
  'WITNESS_BUSY',
] as const;

export type WitnessErrorCode = (typeof WITNESS_ERROR_CODES)[number];

export interface WitnessError {
  code: WitnessErrorCode;
  message: string;
  details?: { line?: number; [key: string]: unknown };
}

export type WitnessResult<T> = { ok: true; value: T } | { ok: false; error: WitnessError };

export const witnessOk = <T>(value: T): WitnessResult<T> => ({ ok: true, value });
export const witnessFail = (
  code: WitnessErrorCode,
  message: string,
  details?: WitnessError['details'],
): { ok: false; error: WitnessError } =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
