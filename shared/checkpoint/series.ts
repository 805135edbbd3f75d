import { bytesEqual } from '../bytes';
import { verifyConsistency, type MerkleError } from '../merkle';
import { openArxCheckpoint, type ArxCheckpoint } from './checkpoint';
import type { NoteError } from './errors';
import type { NoteVerifier } from './keys';

/** A gateway key and the time window in which checkpoints it signs are valid: [from, to). */
export interface CheckpointKey {
  verifier: NoteVerifier;
  validFrom: Date;
  validTo: Date | null;
}

/** One checkpoint of a series, oldest first: its signed note and the consistency proof from the one before. */
export interface SeriesNote {
  note: string | Uint8Array;
  proof?: readonly Uint8Array[];
}

export type CheckpointProblem =
  'CHECKPOINT_KEY_UNKNOWN' | 'CHECKPOINT_SIGNATURE_INVALID' | 'CHECKPOINT_MALFORMED' | 'CHECKPOINT_KEY_OUTSIDE_WINDOW';

/** What one note is: verified (signature, body, tenant, key window), or why not. */
export type NoteOutcome =
  | { ok: true; checkpoint: ArxCheckpoint; signer: string }
  | { ok: false; problem: Exclude<CheckpointProblem, 'CHECKPOINT_KEY_OUTSIDE_WINDOW'>; error: NoteError }
  | {
      ok: false;
      problem: 'CHECKPOINT_KEY_OUTSIDE_WINDOW';
      checkpoint: ArxCheckpoint;
      signer: string;
      window: { from: Date; to: Date | null } | null;
    };

/**
 * Whether a verified checkpoint extends the verified one just before it in the series. `fork`: two
 * of the same size with different roots; `shrinks`: a smaller size after a larger one; `proof`: the
 * consistency proof (RFC 9162 §2.1.4) does not verify.
 */
export type LinkOutcome =
  | { from: number; to: number; ok: true }
  | { from: number; to: number; ok: false; reason: 'fork' | 'shrinks' | 'proof'; error?: MerkleError };

export interface SeriesVerdict {
  notes: NoteOutcome[];
  /** One per note whose predecessor in the series is verified too; an unverified note breaks the pairing. */
  links: LinkOutcome[];
}

/**
 * Maps a failure to open a note to the finding it is: no known key, a bad signature, or a malformed
 * note. Text without a signature block is not a signed note at all: malformed, not "no known key".
 */
export function noteProblem(error: NoteError): Exclude<CheckpointProblem, 'CHECKPOINT_KEY_OUTSIDE_WINDOW'> {
  if (error.code === 'NOTE_UNVERIFIED') return 'CHECKPOINT_KEY_UNKNOWN';
  if (error.code === 'NOTE_SIGNATURE_INVALID') return 'CHECKPOINT_SIGNATURE_INVALID';
  return 'CHECKPOINT_MALFORMED';
}

/** Opens one checkpoint note with the keys and checks that its signed time lies inside its signer's window. */
export function verifyCheckpointNote(
  note: string | Uint8Array,
  keys: readonly CheckpointKey[],
  expect: { tenantId: string },
): NoteOutcome {
  const opened = openArxCheckpoint(
    note,
    keys.map((k) => k.verifier),
    expect,
  );
  if (!opened.ok) return { ok: false, problem: noteProblem(opened.error), error: opened.error };
  const checkpoint = opened.value.checkpoint;
  const signer = opened.value.note.verifiedBy[0]!.name;
  // A later key of the same name overrides an earlier one's window, as a registry keyed by name does.
  let window: { from: Date; to: Date | null } | null = null;
  for (const k of keys) if (k.verifier.name === signer) window = { from: k.validFrom, to: k.validTo };
  const t = new Date(checkpoint.time);
  if (!window || !(t >= window.from && (window.to === null || t < window.to)))
    return { ok: false, problem: 'CHECKPOINT_KEY_OUTSIDE_WINDOW', checkpoint, signer, window };
  return { ok: true, checkpoint, signer };
}

/** Whether checkpoint b extends checkpoint a (a before b in the series). */
export function checkpointLink(
  a: ArxCheckpoint,
  b: ArxCheckpoint,
  proof: readonly Uint8Array[],
): { ok: true } | { ok: false; reason: 'fork' | 'shrinks' | 'proof'; error?: MerkleError } {
  if (a.size === b.size) return bytesEqual(a.root, b.root) ? { ok: true } : { ok: false, reason: 'fork' };
  if (b.size < a.size) return { ok: false, reason: 'shrinks' };
  // The empty tree is a prefix of every tree.
  if (a.size === 0) return { ok: true };
  const c = verifyConsistency(a.size, b.size, proof, a.root, b.root);
  return c.ok ? { ok: true } : { ok: false, reason: 'proof', error: c.error };
}

/**
 * Verifies a series of signed checkpoints of one tenant's log, oldest first: each note's signature
 * by a known key inside that key's validity window, and that each verified checkpoint is an
 * append-only extension of the verified one before it. Pure: both verification engines (the
 * control plane's and the offline bundle's) use it.
 */
export function verifyCheckpointSeries(
  notes: readonly SeriesNote[],
  keys: readonly CheckpointKey[],
  expect: { tenantId: string },
): SeriesVerdict {
  const outcomes: NoteOutcome[] = [];
  const links: LinkOutcome[] = [];
  for (const [i, n] of notes.entries()) {
    const outcome = verifyCheckpointNote(n.note, keys, expect);
    const prior = i > 0 ? outcomes[i - 1]! : null;
    outcomes.push(outcome);
    if (!outcome.ok || !prior?.ok) continue;
    links.push({ from: i - 1, to: i, ...checkpointLink(prior.checkpoint, outcome.checkpoint, n.proof ?? []) });
  }
  return { notes: outcomes, links };
}
