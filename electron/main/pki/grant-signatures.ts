import { constants, createHash, verify, X509Certificate, type KeyObject } from 'node:crypto';
import { fromBase64 } from '../../../shared/bytes';
import { DsseEnvelopeSchema, pae } from '../../../shared/dsse';

/**
 * The card signatures on role grants (an administrator's statement in a DSSE envelope), checked
 * against the enrolled certificates: by the access review and by the chain verification.
 */

/** The payload type of every administration statement (the definer functions check it). */
export const ADMIN_PAYLOAD_TYPE = 'application/vnd.arx.administration+json';

/** How a grant's signature stands, checked now against the enrolled certificates. */
export type SignatureCheck = 'verified' | 'bootstrap' | 'missing' | 'invalid' | 'not-required';

/** Enrolled certificates by SHA-256 hex: whose, for what, the DER. */
export type EnrolledCerts = ReadonlyMap<string, { operatorId: string; usage: string; der: Uint8Array }>;

/** Parsed once per certificate (by the DER's identity): a review checks thousands of grants by a few administrators. */
const publicKeys = new WeakMap<Uint8Array, { key: KeyObject; sha256: Buffer }>();

function certificateKey(der: Uint8Array): { key: KeyObject; sha256: Buffer } {
  let k = publicKeys.get(der);
  if (!k) {
    k = { key: new X509Certificate(der).publicKey, sha256: createHash('sha256').update(der).digest() };
    publicKeys.set(der, k);
  }
  return k;
}

/**
 * Outcomes of the signature arithmetic, by SHA-256 of (certificate DER digest, signed bytes,
 * signature): a pure function of those bytes, so a review repeated in the same process does not
 * redo it. Whose certificate it is, its usage and retirement are checked on every call.
 */
const outcomes = new Map<string, boolean>();
const MAX_OUTCOMES = 300_000;

/**
 * A signature made on the card over SHA-256 of the PAE: ECDSA (DER) for EC keys; RSASSA-PSS with a
 * 32-byte salt (the card service's default) or PKCS#1 v1.5 for RSA keys. Never throws.
 */
function verifiesOnCard(der: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    const { key, sha256 } = certificateKey(der);
    const id = createHash('sha256').update(sha256).update(u32(data.length)).update(data).update(sig).digest('base64');
    let ok = outcomes.get(id);
    if (ok === undefined) {
      ok = verifyWith(key, data, sig);
      if (outcomes.size >= MAX_OUTCOMES) outcomes.clear();
      outcomes.set(id, ok);
    }
    return ok;
  } catch {
    return false;
  }
}

const u32 = (n: number) => Buffer.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);

function verifyWith(key: KeyObject, data: Uint8Array, sig: Uint8Array): boolean {
  if (key.asymmetricKeyType === 'ec') return verify('sha256', data, { key, dsaEncoding: 'der' }, sig);
  if (key.asymmetricKeyType !== 'rsa') return false;
  return (
    verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig) ||
    verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig)
  );
}

/** Whether `envelope` is a statement of `signer`'s enrolled signing certificate that verifies and says `want`. */
export function grantSignatureCheck(
  envelope: unknown,
  signer: string | null,
  want: Record<string, unknown>,
  certs: EnrolledCerts,
): SignatureCheck {
  if (envelope === null || envelope === undefined || signer === null) return 'missing';
  const env = DsseEnvelopeSchema.safeParse(envelope);
  if (!env.success || env.data.payloadType !== ADMIN_PAYLOAD_TYPE) return 'invalid';
  const payload = fromBase64(env.data.payload);
  if (!payload) return 'invalid';
  let statement: Record<string, unknown>;
  try {
    statement = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
  } catch {
    return 'invalid';
  }
  if (Object.entries(want).some(([k, v]) => statement[k] !== v)) return 'invalid';
  const ok = env.data.signatures.some((s) => {
    const cert = certs.get(s.keyid);
    const sig = fromBase64(s.sig);
    if (!cert || cert.operatorId !== signer || cert.usage !== 'signature' || !sig) return false;
    return verifiesOnCard(cert.der, pae(env.data.payloadType, payload), sig);
  });
  return ok ? 'verified' : 'invalid';
}

/** A role grant as stored: who granted and approved it, their signed statements, whether made at bootstrap. */
export interface SignedGrant {
  tenantId: string;
  operatorId: string;
  role: string;
  grantedBy: string | null;
  approvedBy: string | null;
  grantEnvelope: unknown;
  approvalEnvelope: unknown;
  /** Whether the system chain records this grant as made at bootstrap (role.granted with by = null). */
  bootstrapRecorded: boolean;
}

/**
 * How a grant's two signatures stand now: 'bootstrap' for a first administrator the chain records
 * as made by the DBA at bootstrap; `isso` and `administrator` need the request and the approval.
 */
export function grantChecks(g: SignedGrant, certs: EnrolledCerts): { grant: SignatureCheck; approval: SignatureCheck } {
  const base = { tenantId: g.tenantId, operatorId: g.operatorId, role: g.role };
  if (g.grantedBy === null && g.grantEnvelope === null && g.bootstrapRecorded)
    return { grant: 'bootstrap', approval: 'not-required' };
  if (g.role !== 'isso' && g.role !== 'administrator')
    return {
      grant: grantSignatureCheck(g.grantEnvelope, g.grantedBy, { action: 'role.grant', ...base }, certs),
      approval: 'not-required',
    };
  const request = (g.grantEnvelope as { payload?: string } | null) ?? null;
  const requestId = request ? requestIdOf(request) : undefined;
  return {
    grant: grantSignatureCheck(g.grantEnvelope, g.grantedBy, { action: 'role.grant', ...base, requestId }, certs),
    approval: grantSignatureCheck(
      g.approvalEnvelope,
      g.approvedBy,
      { action: 'role.approve', ...base, requestId },
      certs,
    ),
  };
}

function requestIdOf(envelope: { payload?: string }): unknown {
  try {
    const bytes = envelope.payload ? fromBase64(envelope.payload) : undefined;
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as { requestId?: unknown }).requestId : undefined;
  } catch {
    return undefined;
  }
}
