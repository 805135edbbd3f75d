import { CHAIN_WARNING_CODES, problemMeaning, type Blake3, type ChainIssue } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import type { DigestPool } from './digest-pool';
import type { WriterTrust } from './writer-check';

/** Problems found beside the chain's own codes (shared/chain/issues.ts); docs/chain-format.md §5.1. */
export const ENGINE_ISSUE_CODES = [
  'CHECKPOINT_SIGNATURE_INVALID',
  'CHECKPOINT_KEY_UNKNOWN',
  'CHECKPOINT_KEY_OUTSIDE_WINDOW',
  'CHECKPOINT_MALFORMED',
  'CHECKPOINT_ROW_MISMATCH',
  'CHECKPOINT_CONSISTENCY_INVALID',
  'EVENT_FOREIGN_TENANT',
  'DOC_MISMATCH',
  'DOC_UNCHECKED',
  'POLICY_VERSION_MODIFIED',
  'EVENT_WRITER_UNAUTHENTICATED',
  'EVENT_SIGNATURE_INVALID',
  'EVENT_WRITER_UNSIGNED',
  'EVENT_WRITER_NOT_NAMED',
  'EVENT_WRITER_BOOTSTRAP',
  'EVENT_WRITER_UNSIGNED_LEGACY',
  'EVENT_WRITER_CERTS_UNVALIDATED',
  'GRANT_SIGNATURE_INVALID',
  'GRANT_UNSIGNED',
  'GRANT_BOOTSTRAP_RECORDED',
] as const;
export type EngineIssueCode = (typeof ENGINE_ISSUE_CODES)[number];
/** Kept for callers of the first version of this module. */
export const CHECKPOINT_ISSUE_CODES = ENGINE_ISSUE_CODES;
const ENGINE_WARNINGS: ReadonlySet<string> = new Set([
  'DOC_UNCHECKED',
  'EVENT_WRITER_UNSIGNED',
  'EVENT_WRITER_NOT_NAMED',
  'EVENT_WRITER_BOOTSTRAP',
  'EVENT_WRITER_UNSIGNED_LEGACY',
  'EVENT_WRITER_CERTS_UNVALIDATED',
  'GRANT_UNSIGNED',
  'GRANT_BOOTSTRAP_RECORDED',
]);

export interface VerificationIssue {
  code: ChainIssue['code'] | EngineIssueCode;
  message: string;
  /** One plain sentence for a person (shared/chain/meaning.ts). */
  meaning: string;
  severity: 'error' | 'warning';
  details: { seq: number; lastSeq?: number; count?: number; expected?: string; found?: string; [k: string]: unknown };
}

/** What to verify. Seq bounds are inclusive; a time range is resolved to the seqs it covers. */
export type VerifyRange =
  { kind: 'all' } | { kind: 'seq'; from: number; to: number | null } | { kind: 'time'; from: string; to: string };

export interface VerifyProgress {
  phase: 'checkpoints' | 'events' | 'documents';
  rows: number;
  bytes: number;
  /** Last seq pushed through the verifier. */
  seq: number;
  /** Events the range holds (from the stored seqs), or null before it is known. */
  total: number | null;
  eventsPerSecond: number;
  secondsLeft: number | null;
}

/**
 * The complete result of one verification (docs/chain-format.md §5.3). Everything a reviewer signs
 * is here: tenant, range, counts, every problem, and the checkpoint the events were anchored on.
 */
export interface ChainVerification {
  ok: boolean;
  verdict: 'intact' | 'broken';
  tenantId: string;
  range: {
    kind: VerifyRange['kind'];
    fromSeq: number;
    toSeq: number | null;
    fromTime: string | null;
    toTime: string | null;
  };
  /** Same as range.fromSeq / range.toSeq (first version of this result). */
  from: number;
  to: number | null;
  rows: number;
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
  /** The stored chain hash after the last verified event (hex BLAKE3), and the chain position after it. */
  head: { size: number; hash: string };
  checkpoints: { total: number; verified: number; newestSize: number | null };
  /** The newest verified checkpoint inside the range: the events up to its size are anchored on it. */
  checkpoint: {
    treeSize: number;
    rootSha256: string;
    headBlake3: string;
    issuedAt: string;
    keyName: string;
    note: string;
  } | null;
  /**
   * Events after that checkpoint: chained, but not covered by a signed checkpoint checked here.
   * `laterCheckpointSize`: a verified checkpoint beyond the range's end that covers them, whose
   * root a verification of this range does not recompute (null: none yet — the usual tail).
   */
  tail: { fromSeq: number; count: number; laterCheckpointSize: number | null } | null;
  errors: VerificationIssue[];
  warnings: VerificationIssue[];
  /** Problems beyond the listing limit, counted only. */
  omitted: number;
  policyVersions: { checked: number; modified: number };
  documents: 'checked' | 'skipped' | 'unchecked';
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  engine: { format: 'arx-chain-v1'; blake3: string; workers: number };
}

export interface VerifyOptions {
  /** Shorthands for range {kind:'seq'}. */
  from?: number;
  to?: number;
  range?: VerifyRange;
  /** Not used any more: the engine always hashes with its WASM kernel (hash-kernel.ts), on whichever thread. */
  blake3?: Blake3;
  /** Worker threads for the per-row work (digests, links, tree, ChainVerifier); null or absent: everything on this thread. */
  pool?: DigestPool | null;
  /** Compare every jsonb copy with its stored bytes (default true). */
  checkDocuments?: boolean;
  onProgress?: (p: VerifyProgress) => void;
  signal?: AbortSignal;
  maxIssues?: number;
  /** Minimum time between two progress reports (default 200 ms; 0: after every batch). */
  progressIntervalMs?: number;
  /** Trust anchors that authenticate console writers' certificates (writer-check.ts); absent: enrolled certificates as they are. */
  writerTrust?: WriterTrust | null;
  /** Rows per worker batch (default 8192); smaller batches mean finer progress and cancel points. */
  batchRows?: number;
}

export function issue(
  code: VerificationIssue['code'],
  message: string,
  details: VerificationIssue['details'],
): VerificationIssue {
  const severity =
    CHAIN_WARNING_CODES.has(code as ChainIssue['code']) || ENGINE_WARNINGS.has(code) ? 'warning' : 'error';
  return { code, message, meaning: problemMeaning({ code, details }), severity, details };
}

export const fromChain = (i: ChainIssue): VerificationIssue => issue(i.code, i.message, i.details);

export function cancelled(): ArxFailure {
  return new ArxFailure('CANCELLED', 'Verification was cancelled; nothing was written.');
}
