import { fromBase64, toBase64 } from '../bytes';
import { leafHash, verifyInclusion } from '../merkle';
import { noteFail, noteOk, type Parsed } from './errors';
import { openArxCheckpoint, type ArxCheckpoint } from './checkpoint';
import type { NoteVerifier } from './keys';

/**
 * An offline proof (c2sp.org/tlog-proof@v1): that leaf `index` is in the tree a signed checkpoint
 * commits to. For ARX the leaf is the chain hash h_index, so the proof shows that event `index`
 * (through d_index and the chain) was logged.
 */
export interface TlogProof {
  /** Opaque, unauthenticated extra data (the spec's `extra` line). */
  extra?: Uint8Array;
  index: number;
  /** Inclusion proof hashes, from the leaf's sibling up (RFC 9162 §2.1.3.1). */
  proof: Uint8Array[];
  /** The checkpoint note, verbatim. */
  checkpoint: string;
}

const HEADER = 'c2sp.org/tlog-proof@v1';
const DECIMAL = /^(0|[1-9][0-9]*)$/;

export function formatTlogProof(p: TlogProof): string {
  const lines = [HEADER];
  if (p.extra !== undefined) lines.push(`extra ${toBase64(p.extra)}`);
  lines.push(`index ${p.index}`, ...p.proof.map(toBase64), '');
  return `${lines.join('\n')}\n${p.checkpoint}`;
}

/** Strict parse; line numbers in errors count from the first line of the proof file. */
export function parseTlogProof(text: string): Parsed<TlogProof> {
  const bad = (message: string, line: number) => noteFail('TLOG_PROOF_MALFORMED', message, { line });
  const end = text.indexOf('\n\n');
  if (end < 0) return bad('no blank line before the checkpoint', text.split('\n').length);
  const head = text.slice(0, end).split('\n');
  if (head[0] !== HEADER) return bad(`the first line must be ${HEADER}`, 1);
  let i = 1;
  let extra: Uint8Array | undefined;
  if (head[i]?.startsWith('extra ')) {
    extra = fromBase64(head[i]!.slice(6));
    if (!extra) return bad('the extra data is not canonical base64', i + 1);
    i++;
  }
  const indexLine = head[i];
  if (
    !indexLine?.startsWith('index ') ||
    !DECIMAL.test(indexLine.slice(6)) ||
    !Number.isSafeInteger(Number(indexLine.slice(6)))
  ) {
    return bad('expected "index <decimal without leading zeros>"', i + 1);
  }
  const index = Number(indexLine.slice(6));
  const proof: Uint8Array[] = [];
  for (i++; i < head.length; i++) {
    const h = fromBase64(head[i]!);
    if (!h || h.length !== 32) return bad('a proof line is not the base64 of a 32-byte hash', i + 1);
    proof.push(h);
  }
  const checkpoint = text.slice(end + 2);
  if (checkpoint.length === 0) return bad('the checkpoint is missing', head.length + 2);
  return noteOk(extra === undefined ? { index, proof, checkpoint } : { extra, index, proof, checkpoint });
}

/**
 * Verifies an offline proof end to end: the checkpoint's signature by a trusted key and its
 * tenant, then the inclusion of `chainHash` (h_index) at `index` under the signed root.
 */
export function verifyTlogProof(
  text: string,
  chainHash: Uint8Array,
  verifiers: readonly NoteVerifier[],
  expect: { tenantId: string; index?: number },
): Parsed<{ index: number; checkpoint: ArxCheckpoint }> {
  const parsed = parseTlogProof(text);
  if (!parsed.ok) return parsed;
  const { index, proof, checkpoint } = parsed.value;
  if (expect.index !== undefined && expect.index !== index)
    return noteFail('TLOG_PROOF_INVALID', `the proof is for index ${index}, not ${expect.index}`);
  const opened = openArxCheckpoint(checkpoint, verifiers, { tenantId: expect.tenantId });
  if (!opened.ok) {
    const line = opened.error.details?.line;
    // Report lines in terms of the proof file, not of the embedded checkpoint.
    const offset = text.slice(0, text.indexOf('\n\n') + 2).split('\n').length - 1;
    return {
      ok: false,
      error: {
        ...opened.error,
        details: { ...opened.error.details, ...(line === undefined ? {} : { line: line + offset }) },
      },
    };
  }
  const cp = opened.value.checkpoint;
  const verdict = verifyInclusion(index, cp.size, leafHash(chainHash), proof, cp.root);
  if (!verdict.ok)
    return noteFail('TLOG_PROOF_INVALID', `the inclusion proof does not verify: ${verdict.error.message}`, {
      merkle: verdict.error.code,
    });
  return noteOk({ index, checkpoint: cp });
}
