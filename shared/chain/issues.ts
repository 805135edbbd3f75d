/**
 * What the chain verifier reports. Codes are stable: scripts and auditors match on them
 * (docs/chain-format.md, "Verifier codes", says what each one means and what usually causes it).
 * The shape is the contract's error shape ({ code, message, details }) so a handler can pass an
 * issue across the boundary unchanged.
 */
export const CHAIN_ISSUE_CODES = [
  'ROW_MALFORMED',
  'EVENT_DIGEST_MISMATCH',
  'CHAIN_LINK_MISMATCH',
  'SEQ_GAP',
  'SEQ_DUPLICATE',
  'SEQ_OUT_OF_ORDER',
  'SEQ_RENUMBERED',
  'SEQ_SWAPPED',
  'EVENT_INSERTED',
  'ANCHOR_MISMATCH',
  'CHAIN_TRUNCATED',
  'TAIL_NOT_CHECKPOINTED',
  'CHECKPOINT_ROOT_MISMATCH',
  'CHECKPOINT_ROOT_UNCHECKED',
] as const;

export type ChainIssueCode = (typeof CHAIN_ISSUE_CODES)[number];

/** Warnings alone do not fail a verification (DESIGN.md: events after the newest checkpoint). */
export const CHAIN_WARNING_CODES: ReadonlySet<ChainIssueCode> = new Set([
  'TAIL_NOT_CHECKPOINTED',
  'CHECKPOINT_ROOT_UNCHECKED',
]);

export interface ChainIssueDetails {
  /** Where: the stored seq of the (first) row concerned; for CHAIN_TRUNCATED the first missing seq. */
  seq: number;
  /** Last stored seq of a run of rows the same issue covers. */
  lastSeq?: number;
  /** Number of rows (or missing events) the issue covers. */
  count?: number;
  /** Hex of the value the verifier computed or expected. */
  expected?: string;
  /** Hex of the value found in the row. */
  found?: string;
  /** For SEQ_RENUMBERED: chained seq minus stored seq, from this row on. */
  delta?: number;
  [key: string]: unknown;
}

export interface ChainIssue {
  code: ChainIssueCode;
  message: string;
  details: ChainIssueDetails;
}
