/** Stable codes for a proof that does not verify, and where the reason is in the algorithm. */
export const MERKLE_ERROR_CODES = [
  'MERKLE_BAD_SIZE',
  'MERKLE_INDEX_OUT_OF_RANGE',
  'MERKLE_BAD_HASH_LENGTH',
  'MERKLE_PROOF_TOO_LONG',
  'MERKLE_PROOF_TOO_SHORT',
  'MERKLE_PROOF_EMPTY',
  'MERKLE_PROOF_NOT_EMPTY',
  'MERKLE_ROOT_MISMATCH',
  'MERKLE_OLD_ROOT_MISMATCH',
] as const;

export type MerkleErrorCode = (typeof MERKLE_ERROR_CODES)[number];

export interface MerkleError {
  code: MerkleErrorCode;
  message: string;
  details?: {
    expected?: string;
    found?: string;
    index?: number;
    size?: number;
    proofLength?: number;
    [key: string]: unknown;
  };
}

export type MerkleVerdict = { ok: true } | { ok: false; error: MerkleError };

export const merkleFail = (
  code: MerkleErrorCode,
  message: string,
  details?: MerkleError['details'],
): { ok: false; error: MerkleError } =>
  details === undefined ? { ok: false, error: { code, message } } : { ok: false, error: { code, message, details } };
