import { bytesEqual, toHex, utf8 } from '../bytes';
import { parseCheckpoint, parseNote } from '../checkpoint';
import type { CosignatureVerifier } from './cosignature';
import { witnessFail, witnessOk, type WitnessError, type WitnessResult } from './errors';

export interface WitnessCosignature {
  name: string;
  keyId: number;
  timestamp: number;
  /** 1-based line of the signature in the note. */
  line: number;
}

/** What the cosignatures on one checkpoint note are, judged against a set of trusted witness keys. */
export interface CosignatureReport {
  /** The checkpoint body the cosignatures are over. */
  text: string;
  /** Verified cosignatures of trusted witnesses, one per distinct public key. */
  valid: WitnessCosignature[];
  /** Lines whose name and key ID are a trusted witness's but whose cosignature does not verify. */
  invalid: { name: string; keyId: number; line: number }[];
  /** Every other signature line (the log's own signature among them). */
  other: { name: string; keyId: number; line: number }[];
}

/**
 * Sorts the signatures on a checkpoint note into valid and invalid cosignatures of trusted
 * witnesses and all others (c2sp.org/tlog-cosignature: clients match name and key ID and ignore
 * unknown keys). Two names with the same public key count once: a cosignature/v1 message does not
 * commit to the witness's name, so one signature would otherwise count for both.
 */
export function checkCosignatures(
  note: string | Uint8Array,
  witnesses: readonly CosignatureVerifier[],
): WitnessResult<CosignatureReport> {
  const parsed = parseNote(note);
  if (!parsed.ok)
    return witnessFail('COSIGNATURE_MALFORMED', `the checkpoint note does not parse: ${parsed.error.message}`, {
      noteCode: parsed.error.code,
      ...(parsed.error.details?.line !== undefined ? { line: parsed.error.details.line } : {}),
    });
  const { text, signatures } = parsed.value;
  const message = utf8(text);
  const report: CosignatureReport = { text, valid: [], invalid: [], other: [] };
  const counted = new Set<string>();
  for (const s of signatures) {
    const w = witnesses.find((k) => k.name === s.name && k.keyId === s.keyId);
    const at = { name: s.name, keyId: s.keyId, line: s.line };
    if (!w) report.other.push(at);
    else if (!w.verify(message, s.signature)) report.invalid.push(at);
    else if (!counted.has(toHex(w.publicKey))) {
      counted.add(toHex(w.publicKey));
      report.valid.push({ ...at, timestamp: w.timestampOf(s.signature)! });
    }
  }
  return witnessOk(report);
}

/**
 * The k-of-n rule: at least `required` distinct trusted witnesses cosigned, and no trusted
 * witness's cosignature fails (a failing one from a known key rejects the note, as signed-note
 * says for every known key).
 */
export function requireWitnesses(report: CosignatureReport, required: number): WitnessResult<CosignatureReport> {
  const bad = report.invalid[0];
  if (bad)
    return witnessFail('COSIGNATURE_INVALID', `the cosignature of witness ${bad.name} does not verify`, {
      line: bad.line,
      witness: bad.name,
    });
  if (report.valid.length < required)
    return witnessFail(
      'WITNESS_QUORUM_NOT_MET',
      `${report.valid.length} of the required ${required} trusted witnesses cosigned this checkpoint`,
      { required, valid: report.valid.length, witnesses: report.valid.map((v) => v.name) },
    );
  return witnessOk(report);
}

/** What witnessing says about one checkpoint: who of the trusted witnesses cosigned it, against k. */
export interface WitnessVerdict {
  ok: boolean;
  required: number;
  treeSize: number | null;
  /** Trusted witnesses whose cosignature on this checkpoint verified, with their timestamps. */
  witnesses: { name: string; timestamp: number }[];
  /** Signature lines of keys that are not trusted witnesses (the log's own among them), ignored. */
  ignored: number;
  error?: WitnessError;
}

/**
 * Judges the cosignature lines stored for a checkpoint the verifier has already verified (its
 * signed note, size and root): the lines are appended to the note and must be over that very body.
 */
export function judgeWitnessedCheckpoint(
  checkpoint: { note: string; size: number; root: Uint8Array } | null,
  lines: readonly string[],
  trusted: readonly CosignatureVerifier[],
  required: number,
): WitnessVerdict {
  const none = { required, treeSize: checkpoint?.size ?? null, witnesses: [], ignored: 0 };
  if (!checkpoint) {
    const error = { code: 'WITNESS_QUORUM_NOT_MET' as const, message: 'no signed checkpoint to be witnessed' };
    return required > 0 ? { ...none, ok: false, error } : { ...none, ok: true };
  }
  const report = checkCosignatures(`${checkpoint.note}${lines.join('')}`, trusted);
  if (!report.ok) return { ...none, ok: false, error: report.error };
  const body = parseCheckpoint(report.value.text);
  if (!body.ok || body.value.size !== checkpoint.size || !bytesEqual(body.value.root, checkpoint.root))
    return {
      ...none,
      ok: false,
      error: { code: 'COSIGNATURE_MALFORMED', message: 'the note is not the verified checkpoint' },
    };
  const judged = requireWitnesses(report.value, required);
  const witnesses = report.value.valid.map((v) => ({ name: v.name, timestamp: v.timestamp }));
  const base = { ...none, witnesses, ignored: report.value.other.length };
  return judged.ok ? { ...base, ok: true } : { ...base, ok: false, error: judged.error };
}
