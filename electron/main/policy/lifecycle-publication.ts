import type pg from 'pg';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import {
  checkPublication,
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  publicationBytes,
  type PolicyPublicationStatement,
} from '../../../shared/policy';
import { enrolledCertificates } from '../controlplane/repos/operators';
import { readActiveVersion, nextPublicationSeq } from '../controlplane/repos/policy-versions';
import type { LifecycleContext, SignedStatement } from './lifecycle-context';
import { nodeSignatureVerifier } from './node-verify';

/**
 * Signed publications (docs/policy-versions.md): making a version active is a statement signed on
 * the card, naming the version it replaces and its sequence; the gateway loads only through the
 * chain of these. Publishing signs it once (the publisher); a rollback twice (requester, approver).
 */

/** The statement for making `v` active after the policy's current active version, at its next sequence. */
export async function planPublication(
  c: pg.ClientBase,
  tenantId: string,
  v: { policyId: string; sha256: string; blake3: string },
  kind: 'publish' | 'rollback',
  rollbackId: string | null,
): Promise<PolicyPublicationStatement> {
  const previous = await readActiveVersion(c, tenantId, v.policyId);
  return {
    _type: 'arx.policy-publication/v1',
    kind,
    tenantId,
    policyId: v.policyId,
    version: { sha256: v.sha256, blake3: v.blake3 },
    previousSha256: previous,
    sequence: await nextPublicationSeq(c, tenantId, v.policyId),
    rollbackId,
  };
}

export function signPublication(
  ctx: LifecycleContext,
  statement: PolicyPublicationStatement,
  purpose: string,
  pin: string,
  op: OperatorSession,
): Promise<SignedStatement> {
  return ctx.signStatement(POLICY_PUBLICATION_PAYLOAD_TYPE, publicationBytes(statement), purpose, pin, op);
}

/**
 * Checks, inside the step's transaction, that the statement's version can become active: refused
 * when it is active already (POLICY_STATE_INVALID), when the active version or the sequence moved
 * since it was signed (POLICY_PUBLICATION_STALE), or when the signatures would not pass the
 * gateway's check. Returns the previous digest; the step's definer function makes the change.
 */
export async function verifyActivation(
  c: pg.ClientBase,
  s: PolicyPublicationStatement,
  signed: { envelope: unknown; publishedBy: string; requestedBy: string | null },
): Promise<string | null> {
  const previous = await readActiveVersion(c, s.tenantId, s.policyId);
  if (previous === s.version.sha256)
    throw new ArxFailure('POLICY_STATE_INVALID', `Version ${s.version.sha256} is already the active version.`);
  const next = await nextPublicationSeq(c, s.tenantId, s.policyId);
  if (previous !== s.previousSha256 || next !== s.sequence) {
    throw new ArxFailure(
      'POLICY_PUBLICATION_STALE',
      `The active version changed since this was signed (now ${previous ?? 'none'} at sequence ${next}, signed for ${s.previousSha256 ?? 'none'} at ${s.sequence}): sign it again.`,
    );
  }
  const stored = {
    seq: s.sequence,
    kind: s.kind,
    tenantId: s.tenantId,
    policyId: s.policyId,
    version: s.version,
    previousSha256: s.previousSha256,
    rollbackId: s.rollbackId,
    publishedBy: signed.publishedBy,
    requestedBy: signed.requestedBy,
    envelope: signed.envelope,
  };
  const keyids = (signed.envelope as { signatures: { keyid: string }[] }).signatures.map((x) => x.keyid);
  const certs = await enrolledCertificates(c, s.tenantId, keyids);
  const why = checkPublication(stored, s.sequence, s.previousSha256, (k) => certs.get(k), nodeSignatureVerifier);
  if (why) {
    throw new ArxFailure(
      why.startsWith('PUBLICATION_SELF_APPROVAL') ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
      `The publication does not verify: ${why}`,
    );
  }
  return previous;
}
