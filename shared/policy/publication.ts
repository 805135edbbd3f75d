import canonicalize from 'canonicalize';
import { bytesEqual, fromBase64, utf8 } from '../bytes';
import { DsseEnvelopeSchema, openEnvelope } from '../dsse';
import type { PolicyVersion } from './policy-set';
import type { EnrolledCertificate, SignatureVerifier } from './signed-version';

/**
 * Signed publications (docs/policy-versions.md, "Signed publications"): every change of a policy's
 * active version is a statement signed on the card, naming the tenant, the policy, the version, the
 * version it replaces and its place in the policy's publication sequence. Publications form a
 * chain: sequence 0, 1, 2, … each naming the version of the one before as its previous. A publish
 * is signed by its publisher; a rollback by its requester and a different approver.
 */

export const POLICY_PUBLICATION_PAYLOAD_TYPE = 'application/vnd.arx.policy-publication+json';

export interface PolicyPublicationStatement {
  _type: 'arx.policy-publication/v1';
  kind: 'publish' | 'rollback';
  tenantId: string;
  policyId: string;
  version: PolicyVersion;
  previousSha256: string | null;
  sequence: number;
  rollbackId: string | null;
}

/** The payload bytes of a publication statement: RFC 8785 JSON. */
export function publicationBytes(s: PolicyPublicationStatement): Uint8Array {
  return utf8(canonicalize(s)!);
}

/** A stored publication as the gateway reads it. */
export interface StoredPublication {
  seq: number;
  kind: 'publish' | 'rollback';
  tenantId: string;
  policyId: string;
  version: PolicyVersion;
  previousSha256: string | null;
  rollbackId: string | null;
  /** The operator who published it (a rollback: its approver). */
  publishedBy: string;
  /** For a rollback: its requester. */
  requestedBy: string | null;
  envelope: unknown;
}

/** Roles a signer needs: the publisher of a publish, and the requester and approver of a rollback. */
const PUBLISHER_ROLES = ['approver', 'policy-author'];
const APPROVER_ROLES = ['approver'];

/**
 * Why one publication does not verify as link `expectedSeq` after `previousSha256` (null: it
 * does): the sequence and previous version follow the chain, the envelope holds exactly this
 * statement, and the required operators signed it with enrolled signing certificates, each
 * verifying; a rollback's two signers are different operators with different certificates.
 */
export function checkPublication(
  p: StoredPublication,
  expectedSeq: number,
  previousSha256: string | null,
  certificate: (sha256: string) => EnrolledCertificate | undefined,
  verify: SignatureVerifier,
): string | null {
  if (p.seq !== expectedSeq) return `SEQUENCE_GAP: publication ${p.seq} follows ${expectedSeq - 1}`;
  if (p.previousSha256 !== previousSha256)
    return `PREVIOUS_MISMATCH: names ${p.previousSha256 ?? 'none'} as previous, the chain has ${previousSha256 ?? 'none'}`;
  const parsed = DsseEnvelopeSchema.safeParse(p.envelope);
  const opened = parsed.success ? openEnvelope(parsed.data) : undefined;
  if (!parsed.success || !opened || parsed.data.payloadType !== POLICY_PUBLICATION_PAYLOAD_TYPE)
    return 'PUBLICATION_UNSIGNED: no signed publication statement';
  const expected = publicationBytes({
    _type: 'arx.policy-publication/v1',
    kind: p.kind,
    tenantId: p.tenantId,
    policyId: p.policyId,
    version: p.version,
    previousSha256,
    sequence: p.seq,
    rollbackId: p.rollbackId,
  });
  if (!bytesEqual(opened.payload, expected))
    return 'PUBLICATION_STATEMENT_MISMATCH: the signed statement is not this publication';
  const signedBy = (operatorId: string, roles: readonly string[]): string | null => {
    for (const s of parsed.data.signatures) {
      const cert = certificate(s.keyid);
      if (!cert || cert.usage !== 'signature' || cert.operatorId !== operatorId || !cert.operatorActive) continue;
      if (!roles.some((r) => cert.roles.includes(r))) continue;
      const sig = fromBase64(s.sig);
      if (sig && verify(cert.der, opened.signingInput, sig)) return s.keyid;
    }
    return null;
  };
  if (p.kind === 'publish') {
    return signedBy(p.publishedBy, PUBLISHER_ROLES)
      ? null
      : 'PUBLICATION_SIGNATURE_INVALID: no valid signature of the publisher (enrolled, active, approver or policy-author)';
  }
  if (!p.requestedBy || p.requestedBy === p.publishedBy)
    return 'PUBLICATION_SELF_APPROVAL: a rollback needs a requester and a different approver';
  const requester = signedBy(p.requestedBy, PUBLISHER_ROLES);
  const approver = signedBy(p.publishedBy, APPROVER_ROLES);
  if (!requester || !approver)
    return `PUBLICATION_SIGNATURE_INVALID: the rollback lacks a valid signature of its ${requester ? 'approver' : 'requester'}`;
  if (requester === approver) return 'PUBLICATION_SELF_APPROVAL: requester and approver signed with one certificate';
  return null;
}

/**
 * Walks a policy's publications oldest first and returns the verified prefix of the chain (each
 * link checked by `checkPublication` against the one before) and the first publication that
 * breaks it, with every later one, as refused: nothing after a broken link can be reached.
 */
export function verifiedPublicationChain<P extends StoredPublication>(
  oldestFirst: readonly P[],
  certificate: (sha256: string) => EnrolledCertificate | undefined,
  verify: SignatureVerifier,
): { verified: P[]; refused: { publication: P; reason: string }[] } {
  const verified: P[] = [];
  const refused: { publication: P; reason: string }[] = [];
  let previous: string | null = null;
  for (const [i, p] of oldestFirst.entries()) {
    if (refused.length > 0) {
      refused.push({
        publication: p,
        reason: `CHAIN_BROKEN: follows refused publication ${refused[0]!.publication.seq}`,
      });
      continue;
    }
    const why = checkPublication(p, i, previous, certificate, verify);
    if (why) refused.push({ publication: p, reason: why });
    else {
      verified.push(p);
      previous = p.version.sha256;
    }
  }
  return { verified, refused };
}
