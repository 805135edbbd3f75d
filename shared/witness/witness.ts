import { bytesEqual, toBase64, utf8 } from '../bytes';
import { openNote, parseCheckpoint, parseNote, type Checkpoint, type NoteVerifier } from '../checkpoint';
import { EMPTY_ROOT, verifyConsistency } from '../merkle';
import { cosignatureVerifier, type Cosigner } from './cosignature';
import { witnessFail, witnessOk, type WitnessError, type WitnessResult } from './errors';
import type { AddCheckpointRequest } from './request';

/** A log this witness follows: its origin line and the keys that sign its checkpoints. */
export interface WitnessedLog {
  origin: string;
  keys: readonly NoteVerifier[];
}

/** The latest checkpoint a witness cosigned for one log: what it must never contradict. */
export interface CosignedHead {
  origin: string;
  size: number;
  root: Uint8Array;
  /** The signed checkpoint note as submitted (the log's signatures, without ours): fork evidence. */
  note: string;
  /** The timestamp of our cosignature (POSIX seconds). */
  cosignedAt: number;
}

export interface WitnessContext {
  logs: readonly WitnessedLog[];
  /** The latest cosigned head for an origin, or undefined if this witness never cosigned that log. */
  latest(origin: string): CosignedHead | undefined;
  cosigner: Cosigner;
  /** POSIX seconds. */
  now: number;
}

export interface Cosigned {
  /** The cosignature line to append to the checkpoint note. */
  cosignature: string;
  /** The new latest head: the caller persists it atomically with the check (tlog-witness). */
  head: CosignedHead;
}

/**
 * Decides one add-checkpoint request (c2sp.org/tlog-witness): the log's signature, the old size
 * against the last cosigned size, the consistency proof from it, and only then the cosignature.
 * Pure: the caller reads `latest` and writes the returned head in one atomic step.
 */
export function addCheckpoint(req: AddCheckpointRequest, ctx: WitnessContext): WitnessResult<Cosigned> {
  const opened = openCheckpoint(req.checkpoint, ctx.logs);
  if (!opened.ok) return opened;
  const { checkpoint, text } = opened.value;
  const latest = ctx.latest(checkpoint.origin);
  const rolledBack = ownCosignatureAhead(req.checkpoint, checkpoint, ctx.cosigner, latest);
  if (rolledBack) return { ok: false, error: rolledBack };
  const refused = checkExtends(req, checkpoint, latest);
  if (refused) return { ok: false, error: refused };
  const head: CosignedHead = {
    origin: checkpoint.origin,
    size: checkpoint.size,
    root: checkpoint.root,
    note: req.checkpoint,
    cosignedAt: ctx.now,
  };
  return witnessOk({ cosignature: ctx.cosigner.cosign(text, ctx.now), head });
}

/** The origin picks the log; its keys must verify the note before anything else in it is used. */
function openCheckpoint(
  note: string,
  logs: readonly WitnessedLog[],
): WitnessResult<{ checkpoint: Checkpoint; text: string }> {
  const parsed = parseNote(note);
  if (!parsed.ok)
    return witnessFail('WITNESS_REQUEST_MALFORMED', `the checkpoint is not a signed note: ${parsed.error.message}`, {
      noteCode: parsed.error.code,
    });
  const origin = parsed.value.text.slice(0, parsed.value.text.indexOf('\n'));
  const log = logs.find((l) => l.origin === origin);
  if (!log) return witnessFail('WITNESS_LOG_UNKNOWN', `this witness does not follow the log ${JSON.stringify(origin)}`);
  const opened = openNote(note, log.keys);
  if (!opened.ok)
    return witnessFail('WITNESS_CHECKPOINT_UNVERIFIED', `the log's signature: ${opened.error.message}`, {
      noteCode: opened.error.code,
    });
  const checkpoint = parseCheckpoint(opened.value.text);
  if (!checkpoint.ok)
    return witnessFail('WITNESS_REQUEST_MALFORMED', `the checkpoint body: ${checkpoint.error.message}`, {
      noteCode: checkpoint.error.code,
    });
  return witnessOk({ checkpoint: checkpoint.value, text: opened.value.text });
}

/**
 * A submitted note that already carries this witness's own valid cosignature on a larger tree
 * than its state records proves the state was restored from an older copy.
 */
function ownCosignatureAhead(
  note: string,
  checkpoint: Checkpoint,
  cosigner: Cosigner,
  latest: CosignedHead | undefined,
): WitnessError | undefined {
  const recorded = latest?.size ?? -1;
  if (checkpoint.size <= recorded) return undefined;
  const self = cosignatureVerifier(cosigner.name, cosigner.publicKey);
  const parsed = parseNote(note);
  if (!parsed.ok) return undefined;
  const message = utf8(parsed.value.text);
  const ours = parsed.value.signatures.some(
    (s) => s.name === self.name && s.keyId === self.keyId && self.verify(message, s.signature),
  );
  if (!ours) return undefined;
  return {
    code: 'WITNESS_STATE_ROLLED_BACK',
    message: `this witness already cosigned size ${checkpoint.size}, but its state records ${latest ? `size ${latest.size}` : 'nothing'} for the log`,
    details: { cosignedSize: checkpoint.size, recordedSize: latest?.size ?? null },
  };
}

/** The tlog-witness checks, in the spec's order, plus the rollback refusal. */
function checkExtends(
  req: AddCheckpointRequest,
  cp: Checkpoint,
  latest: CosignedHead | undefined,
): WitnessError | undefined {
  const latestSize = latest?.size ?? 0;
  const at = latest ? { latestSize, latestRoot: toBase64(latest.root) } : { latestSize };
  if (latest && cp.size < latest.size)
    return fail('WITNESS_ROLLBACK_REFUSED', `size ${cp.size} is older than the cosigned size ${latest.size}`, at);
  if (req.oldSize > cp.size)
    return fail('WITNESS_REQUEST_MALFORMED', `old size ${req.oldSize} is larger than the checkpoint's ${cp.size}`);
  if (req.oldSize !== latestSize)
    return fail('WITNESS_OLD_SIZE_MISMATCH', `old size ${req.oldSize} is not the cosigned size ${latestSize}`, at);
  if (cp.size === 0 && !bytesEqual(cp.root, EMPTY_ROOT))
    return fail('WITNESS_EMPTY_TREE_ROOT', 'a checkpoint of size 0 must carry the root of the empty tree');
  if (req.oldSize === 0 && req.proof.length > 0)
    return fail('WITNESS_PROOF_INVALID', 'from size 0 the consistency proof must be empty', at);
  if (!latest || latest.size === 0) return undefined;
  if (cp.size === latest.size && !bytesEqual(cp.root, latest.root))
    return fail('WITNESS_FORK_DETECTED', `two signed checkpoints of size ${cp.size} with different roots`, {
      ...at,
      root: toBase64(cp.root),
      cosignedNote: latest.note,
    });
  const c = verifyConsistency(latest.size, cp.size, req.proof, latest.root, cp.root);
  if (!c.ok)
    return fail('WITNESS_PROOF_INVALID', `not consistent with the cosigned size ${latest.size}: ${c.error.message}`, {
      ...at,
      merkleCode: c.error.code,
    });
  return undefined;
}

function fail(code: WitnessError['code'], message: string, details?: WitnessError['details']): WitnessError {
  return details === undefined ? { code, message } : { code, message, details };
}
