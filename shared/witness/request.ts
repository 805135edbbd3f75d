import { fromBase64, toBase64 } from '../bytes';
import { witnessFail, witnessOk, type WitnessResult } from './errors';

/** The body of a c2sp.org/tlog-witness add-checkpoint request. */
export interface AddCheckpointRequest {
  oldSize: number;
  /** RFC 9162 consistency proof from `oldSize` to the checkpoint's size. */
  proof: Uint8Array[];
  /** The signed checkpoint note, signature lines included. */
  checkpoint: string;
}

/** The spec's limit on proof lines; a proof between sizes below 2^53 has at most 2·53 − 1 hashes anyway. */
export const MAX_PROOF_LINES = 63;
const DECIMAL = /^(0|[1-9][0-9]*)$/;

/** `old <size>\n`, one base64 hash per line, a blank line, then the checkpoint note. */
export function formatAddCheckpointRequest(r: AddCheckpointRequest): string {
  if (!Number.isSafeInteger(r.oldSize) || r.oldSize < 0) throw new RangeError('old size must be a safe integer');
  if (r.proof.length > MAX_PROOF_LINES) throw new RangeError(`at most ${MAX_PROOF_LINES} proof lines`);
  return [`old ${r.oldSize}`, ...r.proof.map(toBase64), ''].map((l) => `${l}\n`).join('') + r.checkpoint;
}

/** Parses an add-checkpoint body strictly (c2sp.org/tlog-witness, "add-checkpoint"). */
export function parseAddCheckpointRequest(body: string): WitnessResult<AddCheckpointRequest> {
  const blank = body.indexOf('\n\n');
  if (blank < 0) return witnessFail('WITNESS_REQUEST_MALFORMED', 'no blank line after the old size and proof lines');
  const [first, ...hashes] = body.slice(0, blank).split('\n') as [string, ...string[]];
  const size = first.startsWith('old ') ? first.slice(4) : '';
  if (!DECIMAL.test(size) || !Number.isSafeInteger(Number(size)))
    return witnessFail('WITNESS_REQUEST_MALFORMED', 'line 1 must be "old <size>", a decimal without leading zeros', {
      line: 1,
    });
  if (hashes.length > MAX_PROOF_LINES)
    return witnessFail('WITNESS_REQUEST_MALFORMED', `at most ${MAX_PROOF_LINES} consistency proof lines`, {
      line: 2 + MAX_PROOF_LINES,
    });
  const proof: Uint8Array[] = [];
  for (const [i, h] of hashes.entries()) {
    const bytes = fromBase64(h);
    if (!bytes || bytes.length !== 32)
      return witnessFail('WITNESS_REQUEST_MALFORMED', 'a proof line is the base64 of one 32-byte hash', {
        line: 2 + i,
      });
    proof.push(bytes);
  }
  return witnessOk({ oldSize: Number(size), proof, checkpoint: body.slice(blank + 2) });
}
