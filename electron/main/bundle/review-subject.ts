import { toHex } from '../../../shared/bytes';
import type { BundleRange, BundleReview } from '../../../shared/bundle';
import { parseArxCheckpoint, parseNote, parseTlogProof } from '../../../shared/checkpoint';
import { leafHash, nodeHash } from '../../../shared/merkle';
import { openFidelityCertificate } from '../../../shared/review';

/**
 * A fidelity certificate's subject against the bundle's own chain (docs/bundle-format.md §5 check 7):
 * a signature only says the reviewer signed *some* statement; this says the statement is about
 * this chain. Each subject field is compared with what the bundle proves on its own:
 *
 * - `annotations.tenantId` and the subject name with `range.json`'s tenant; `fromSeq`/`toSeq` with
 *   the (unsigned) member fields; `treeSize` = toSeq + 1;
 * - `previousHead` (h_(fromSeq−1), G when fromSeq = 0) with the bundle's chain hash there
 *   (`prevHash`, or a stored hash of `events.bin`, which the chain check links);
 * - `digest.blake3` (h_toSeq) likewise, or with the `arx-head` of a verified checkpoint of size toSeq + 1;
 * - `digest.sha256` (the RFC 9162 root of seq 0…toSeq) with the root of a verified checkpoint of
 *   size toSeq + 1, or, when toSeq is the bundle's last seq, with the root that the verified
 *   `proof-end` inclusion path gives for the prefix of size to + 1 (below).
 *
 * A field the bundle cannot determine (a review reaching outside the range) is listed as unchecked.
 */

export interface SubjectFinding {
  code: 'REVIEW_SUBJECT_MISMATCH' | 'REVIEW_STATEMENT_INVALID';
  field: string;
  message: string;
  expected?: string;
  found?: string;
}

export interface SubjectContext {
  range: BundleRange;
  /** Hex G of the tenant (prevHash of seq 0). */
  genesis: string;
  /** Verified checkpoints only. */
  checkpoints: readonly { size: number; root: Uint8Array; head: Uint8Array; member: string }[];
  /** Chain hashes the bundle carries at given seqs (prevHash at from − 1, events.bin's stored h, lastHash at to). */
  hashAt: (seq: number) => Uint8Array | undefined;
  /** MTH(h_0 … h_to), from the verified proof-end (null when it did not verify). */
  endRoot: Uint8Array | null;
}

export interface SubjectCheck {
  findings: SubjectFinding[];
  /** Fields that were compared. */
  checked: string[];
  /** Fields the bundle holds nothing to compare with. */
  unchecked: string[];
}

/** The seqs whose chain hashes a review's subject needs (captured while events.bin streams). */
export function subjectSeqs(review: BundleReview): number[] {
  const opened = openFidelityCertificate(review.envelope);
  if (!opened.ok) return [];
  const a = opened.statement.subject[0]!.annotations;
  return a.fromSeq > 0 ? [a.fromSeq - 1, a.toSeq] : [a.toSeq];
}

/**
 * The root of the tree of size index + 1 (MTH(D[0 : index+1])) from an inclusion path of leaf
 * `index` in a larger tree: the path's left siblings are the complete subtrees that cover
 * D[0 : index], so folding them onto the leaf, smallest first, gives that prefix's root. Which
 * elements are left siblings is decided exactly as RFC 9162 §2.1.3.2 walks the path.
 */
export function prefixRootFromPath(
  index: number,
  size: number,
  leaf: Uint8Array,
  path: readonly Uint8Array[],
): Uint8Array | null {
  if (index >= size) return null;
  let fn = index;
  let sn = size - 1;
  let r = leafHash(leaf);
  for (const p of path) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** The prefix root MTH(h_0 … h_index) from a (verified) proof-end member, or null. */
export function prefixRootFromTlogProof(text: string, chainHash: Uint8Array): Uint8Array | null {
  const p = parseTlogProof(text);
  if (!p.ok) return null;
  const note = parseNote(p.value.checkpoint);
  if (!note.ok) return null;
  const cp = parseArxCheckpoint(note.value.text);
  if (!cp.ok) return null;
  return prefixRootFromPath(p.value.index, cp.value.size, chainHash, p.value.proof);
}

export function checkReviewSubject(review: BundleReview, ctx: SubjectContext): SubjectCheck {
  const out: SubjectCheck = { findings: [], checked: [], unchecked: [] };
  const opened = openFidelityCertificate(review.envelope);
  if (!opened.ok) {
    out.findings.push({
      code: 'REVIEW_STATEMENT_INVALID',
      field: opened.path || 'statement',
      message: `its statement does not parse: ${opened.message}`,
    });
    return out;
  }
  const s = opened.statement.subject[0]!;
  const a = s.annotations;
  const r = ctx.range;
  const mismatch = (field: string, what: string, expected: string, found: string) => {
    out.findings.push({
      code: 'REVIEW_SUBJECT_MISMATCH',
      field,
      message: `its signed subject ${what} (${found.slice(0, 64)}) is not the bundle's (${expected.slice(0, 64)})`,
      expected,
      found,
    });
  };
  const compare = (field: string, what: string, bundle: Uint8Array | string | null | undefined, signed: string) => {
    if (bundle === null || bundle === undefined) {
      out.unchecked.push(field);
      return;
    }
    out.checked.push(field);
    const b = typeof bundle === 'string' ? bundle : toHex(bundle);
    if (b !== signed) mismatch(field, what, b, signed);
  };

  out.checked.push('tenantId');
  if (a.tenantId !== r.tenantId) mismatch('tenantId', 'names tenant', r.tenantId, a.tenantId);
  out.checked.push('range');
  if (a.fromSeq !== review.fromSeq || a.toSeq !== review.toSeq)
    mismatch('range', 'covers seqs', `${review.fromSeq}-${review.toSeq}`, `${a.fromSeq}-${a.toSeq}`);
  out.checked.push('treeSize');
  if (a.treeSize !== a.toSeq + 1) mismatch('treeSize', 'has tree size', String(a.toSeq + 1), String(a.treeSize));

  const exact = ctx.checkpoints.find((c) => c.size === a.toSeq + 1);
  compare(
    'previousHead',
    'hangs on the chain after',
    a.fromSeq === 0 ? ctx.genesis : ctx.hashAt(a.fromSeq - 1),
    a.previousHead,
  );
  compare('digest.blake3', 'has chain head h_toSeq', ctx.hashAt(a.toSeq) ?? exact?.head, s.digest.blake3);
  compare('digest.sha256', 'has tree root', exact?.root ?? (a.toSeq === r.to ? ctx.endRoot : null), s.digest.sha256);
  return out;
}
