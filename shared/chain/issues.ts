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

/** What each issue code means, as the report says it. */
export const CHAIN_ISSUE_MESSAGES: Record<ChainIssueCode, string> = {
  ROW_MALFORMED: 'the row is malformed (seq not a non-negative integer, or digest/hash not 32 bytes)',
  EVENT_DIGEST_MISMATCH: 'the stored event bytes do not hash to the stored event digest: the event was modified',
  CHAIN_LINK_MISMATCH:
    'the stored chain hash does not follow from the previous row: a row was altered, replaced or removed here',
  SEQ_GAP: 'seq numbers are missing: events were deleted',
  SEQ_DUPLICATE: 'two rows carry the same seq: an event was inserted',
  SEQ_OUT_OF_ORDER: 'the row comes after a row with a higher seq; it was not checked',
  SEQ_RENUMBERED: 'from here the stored seq differs from the seq the rows were chained with: rows were renumbered',
  SEQ_SWAPPED: 'two rows exchanged their seq numbers',
  EVENT_INSERTED: 'the row(s) are not part of the chain: the next row links past them',
  ANCHOR_MISMATCH:
    'the stored chain hash differs from the trusted (checkpointed) one: the chain was rewritten up to here',
  CHAIN_TRUNCATED: 'the chain ends before the newest checkpoint: events at the end were deleted',
  TAIL_NOT_CHECKPOINTED: 'events after the newest checkpoint are not yet provable',
  CHECKPOINT_ROOT_MISMATCH: 'the Merkle root over the stored chain hashes differs from the checkpoint root',
  CHECKPOINT_ROOT_UNCHECKED:
    'checkpoint roots could not be recomputed (the rows do not line up after an earlier issue, or the segment has no start frontier)',
};
