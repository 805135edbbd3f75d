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
  return grants.map((g) => reviewEntry(g, grantChecks(g, certs), expiry.get(g.operatorId) ?? null, warnUntil));
}

/** One grant as the review shows it, its two checks made. */
export function reviewEntry(
  g: GrantForReview,
  checks: { grant: SignatureCheck; approval: SignatureCheck },
  expires: Date | null,
  warnUntil: number,
): AccessReviewEntry {
  return {
    tenant: g.tenantSlug,
    edipi: g.edipi,
    displayName: g.displayName,
    operatorStatus: g.status,
    role: g.role,
    since: g.grantedAt.toISOString(),
    grantedBy: g.grantedBy,
    approvedBy: g.approvedBy,
    grant: checks.grant,
    approval: checks.approval,
    certificatesExpire: expires ? expires.toISOString() : null,
    expiresSoon: expires !== null && expires.getTime() <= warnUntil,
  };
}

const CSV_COLUMNS: (keyof AccessReviewEntry)[] = [
  'tenant', 'edipi', 'displayName', 'operatorStatus', 'role', 'since', 'grantedBy', 'approvedBy',
  'grant', 'approval', 'certificatesExpire', 'expiresSoon',
]; // prettier-ignore

const cell = (v: unknown) => {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
};

/** The CSV header line, CRLF-terminated. */
export const ACCESS_REVIEW_CSV_HEADER = CSV_COLUMNS.join(',') + '\r\n';

/** CSV lines of these entries, each CRLF-terminated (a streamed export writes them a batch at a time). */
export const accessReviewCsvLines = (entries: readonly AccessReviewEntry[]): string =>
  entries.map((e) => CSV_COLUMNS.map((k) => cell(e[k])).join(',') + '\r\n').join('');

/** The review as CSV (RFC 4180: quoted where needed, CRLF line ends). */
export function accessReviewCsv(entries: readonly AccessReviewEntry[]): string {
  return ACCESS_REVIEW_CSV_HEADER + accessReviewCsvLines(entries);
}
