import type { GrantForReview } from '../controlplane/repos/administration';
import { grantChecks, type SignatureCheck } from '../pki/grant-signatures';

export type { SignatureCheck };

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
  /** The earliest expiry among the operator's certificates in use (not retired), and whether it falls within the warning window. */
  certificatesExpire: string | null;
  expiresSoon: boolean;
}

type Certs = ReadonlyMap<
  string,
  { operatorId: string; usage: string; der: Uint8Array; notAfter: Date; retiredAt?: Date | null }
>;

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
    // A retired certificate (an old card) still verifies what it signed, but its expiry is not the operator's.
    if (c.retiredAt) continue;
    const prev = expiry.get(c.operatorId);
    if (!prev || c.notAfter < prev) expiry.set(c.operatorId, c.notAfter);
  }
  return grants.map((g) => {
    const { grant, approval } = grantChecks(g, certs);
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
