import { constants, verify, X509Certificate } from 'node:crypto';
import { fromBase64 } from '../../../shared/bytes';
import { DsseEnvelopeSchema, pae } from '../../../shared/dsse';
import type { GrantForReview } from '../controlplane/repos/administration';
import { ADMIN_PAYLOAD_TYPE } from './admin-steps';

/** How a grant's signature stands, checked now against the enrolled certificates. */
export type SignatureCheck = 'verified' | 'bootstrap' | 'missing' | 'invalid' | 'not-required';

export interface AccessReviewEntry {
  tenant: string;
  edipi: string;
  displayName: string;
  operatorStatus: string;
  role: string;
  since: string;
  grantedBy: string | null;
  approvedBy: string | null;
  grant: SignatureCheck;
  approval: SignatureCheck;
  /** The earliest expiry among the operator's certificates, and whether it falls within the warning window. */
  certificatesExpire: string | null;
  expiresSoon: boolean;
}

type Certs = Map<string, { operatorId: string; usage: string; der: Buffer; notAfter: Date }>;

/**
 * A signature made on the card over SHA-256 of the PAE: ECDSA (DER) for EC keys; RSASSA-PSS with a
 * 32-byte salt (the card service's default) or PKCS#1 v1.5 for RSA keys. Never throws.
 */
function verifiesOnCard(der: Uint8Array, data: Uint8Array, sig: Uint8Array): boolean {
  try {
    const key = new X509Certificate(der).publicKey;
    if (key.asymmetricKeyType === 'ec') return verify('sha256', data, { key, dsaEncoding: 'der' }, sig);
    if (key.asymmetricKeyType !== 'rsa') return false;
    return (
      verify('sha256', data, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, sig) ||
      verify('sha256', data, { key, padding: constants.RSA_PKCS1_PADDING }, sig)
    );
  } catch {
    return false;
  }
}

/** Whether `envelope` is a statement of `signer`'s enrolled signing certificate that verifies and says `want`. */
function check(envelope: unknown, signer: string | null, want: Record<string, unknown>, certs: Certs): SignatureCheck {
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

/**
 * Who holds which role in which tenant, since when, granted and approved by whom, with those
 * signatures verified now and certificate expiry flagged. A grant with no signature that the
 * chain does not record as made at bootstrap (e.g. inserted by a superuser) is 'missing'.
 */
export function accessReview(
  grants: readonly GrantForReview[],
  certs: Certs,
  opts: { now?: Date; expiryWarningDays?: number } = {},
): AccessReviewEntry[] {
  const now = opts.now ?? new Date();
  const warnUntil = now.getTime() + (opts.expiryWarningDays ?? 30) * 86_400_000;
  const expiry = new Map<string, Date>();
  for (const c of certs.values()) {
    const prev = expiry.get(c.operatorId);
    if (!prev || c.notAfter < prev) expiry.set(c.operatorId, c.notAfter);
  }
  return grants.map((g) => {
    const base = { tenantId: g.tenantId, operatorId: g.operatorId, role: g.role };
    const twoPerson = g.role === 'isso' || g.role === 'administrator';
    let grant: SignatureCheck;
    let approval: SignatureCheck = 'not-required';
    if (g.grantedBy === null && g.grantEnvelope === null && g.bootstrapRecorded) grant = 'bootstrap';
    else if (twoPerson) {
      const request = (g.grantEnvelope as { payload?: string } | null) ?? null;
      const requestId = request ? requestIdOf(request) : undefined;
      grant = check(g.grantEnvelope, g.grantedBy, { action: 'role.grant', ...base, requestId }, certs);
      approval = check(g.approvalEnvelope, g.approvedBy, { action: 'role.approve', ...base, requestId }, certs);
    } else grant = check(g.grantEnvelope, g.grantedBy, { action: 'role.grant', ...base }, certs);
    const exp = expiry.get(g.operatorId) ?? null;
    return {
      tenant: g.tenantSlug,
      edipi: g.edipi,
      displayName: g.displayName,
      operatorStatus: g.status,
      role: g.role,
      since: g.grantedAt.toISOString(),
      grantedBy: g.grantedBy,
      approvedBy: g.approvedBy,
      grant,
      approval,
      certificatesExpire: exp ? exp.toISOString() : null,
      expiresSoon: exp !== null && exp.getTime() <= warnUntil,
    };
  });
}

function requestIdOf(envelope: { payload?: string }): unknown {
  try {
    const bytes = envelope.payload ? fromBase64(envelope.payload) : undefined;
    return bytes ? (JSON.parse(new TextDecoder().decode(bytes)) as { requestId?: unknown }).requestId : undefined;
  } catch {
    return undefined;
  }
}

const CSV_COLUMNS: (keyof AccessReviewEntry)[] = [
  'tenant', 'edipi', 'displayName', 'operatorStatus', 'role', 'since', 'grantedBy', 'approvedBy',
  'grant', 'approval', 'certificatesExpire', 'expiresSoon',
]; // prettier-ignore

/** The review as CSV (RFC 4180: quoted where needed, CRLF line ends). */
export function accessReviewCsv(entries: readonly AccessReviewEntry[]): string {
  const cell = (v: unknown) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return (
    [CSV_COLUMNS.join(','), ...entries.map((e) => CSV_COLUMNS.map((k) => cell(e[k])).join(','))].join('\r\n') + '\r\n'
  );
}
