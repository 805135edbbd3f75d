import { fromBase64, fromHex } from '../../../../shared/bytes';
import { ConsistencySchema } from '../../../../shared/bundle';
import { verifyTlogProof } from '../../../../shared/checkpoint';
import { verifyConsistency } from '../../../../shared/merkle';
import { prefixRootFromTlogProof } from '../review-subject';
import { memberOf } from './parse';
import type { VerifyState } from './state';

/** consistency.json: each verified checkpoint an append-only extension of the one before. */
export function checkConsistency(s: VerifyState, name: string, bytes: Uint8Array): void {
  const list = memberOf(s, name, bytes, ConsistencySchema) ?? [];
  const byIndex = new Map(s.checkpoints.map((c) => [Number(c.member.slice(11, 17)), c]));
  for (const [i, c] of list.entries()) {
    s.checks.count('proofs');
    const a = byIndex.get(c.checkpoint - 1);
    const b = byIndex.get(c.checkpoint);
    if (!a || !b || a.size !== c.fromSize || b.size !== c.toSize) {
      s.checks.fail(
        'proofs',
        'CHECKPOINT_CONSISTENCY_INVALID',
        `consistency proof #${i} does not name two consecutive verified checkpoints of sizes ${c.fromSize} and ${c.toSize}`,
        { member: name, index: i },
      );
      continue;
    }
    const proof = c.proof.map((p) => fromBase64(p) ?? new Uint8Array(0));
    const v = verifyConsistency(a.size, b.size, proof, a.root, b.root);
    if (!v.ok)
      s.checks.fail(
        'proofs',
        'CHECKPOINT_CONSISTENCY_INVALID',
        `checkpoint of size ${b.size} is not an append-only extension of the one of size ${a.size}: ${v.error.message}`,
        { member: name, index: i, reason: v.error.code },
      );
  }
  const verified = s.checkpoints.length;
  if (list.length < verified - 1)
    s.checks.fail(
      'proofs',
      'PROOF_MISSING',
      `${verified - 1 - list.length} consistency proof(s) between the bundle's checkpoints are missing`,
      { member: name },
    );
}

/** proof-start / proof-end.tlog-proof: h_(from-1) and h_to included in a signed checkpoint. */
export function checkTlogProof(s: VerifyState, name: string, bytes: Uint8Array): void {
  s.checks.count('proofs');
  const range = s.range;
  if (!range) return;
  const start = name === 'proof-start.tlog-proof';
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const index = start ? range.from - 1 : range.to;
  const hash = fromHex(start ? range.prevHash : range.lastHash)!;
  const v = verifyTlogProof(text, hash, s.verifiers, { tenantId: range.tenantId, index });
  if (!v.ok) {
    s.checks.fail('proofs', 'PROOF_INVALID', `${name}: ${v.error.message}`, {
      member: name,
      reason: v.error.code,
      ...(v.error.details?.line !== undefined ? { line: v.error.details.line } : {}),
    });
    return;
  }
  if (start) s.startTrusted = hash;
  else {
    s.anchors.push({ seq: range.to, hash });
    s.endRoot = prefixRootFromTlogProof(text, hash);
  }
}

/** Before events.bin: the proofs that tie the range's two ends to signed checkpoints must have verified. */
export function requireEndProofs(s: VerifyState): void {
  const r = s.range!;
  if (r.from > 0 && !s.startTrusted)
    s.checks.fail(
      'proofs',
      'PROOF_MISSING',
      `no verified proof-start.tlog-proof ties h_${r.from - 1} to a signed checkpoint`,
      {
        member: 'proof-start.tlog-proof',
      },
    );
  if (!s.anchors.some((a) => a.seq === r.to))
    s.checks.fail('proofs', 'PROOF_MISSING', `no verified proof-end.tlog-proof ties h_${r.to} to a signed checkpoint`, {
      member: 'proof-end.tlog-proof',
    });
}
