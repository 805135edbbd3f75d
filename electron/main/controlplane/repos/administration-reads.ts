import type { GrantForReview } from './administration';
import { definerFailure, type DefinerOverrides } from './definer-errors';
import type { Queryable } from './queryable';

/**
 * What an administrator reads to administer, through the definer functions of migration 0017 on
 * their own login (refused with ADMINISTRATOR_REQUIRED to anyone else).
 */

const CODES: DefinerOverrides = { AX403: 'ADMINISTRATOR_REQUIRED' };

async function rows(q: Queryable, fn: string): Promise<Record<string, unknown>[]> {
  try {
    return (await q.query(`SELECT * FROM arx.${fn}()`)).rows as Record<string, unknown>[];
  } catch (err) {
    throw definerFailure(err, CODES);
  }
}

export interface TenantRow {
  tenantId: string;
  slug: string;
  name: string;
  createdAt: Date;
}

export async function adminTenants(q: Queryable): Promise<TenantRow[]> {
  return (await rows(q, 'admin_tenants')).map((x) => ({
    tenantId: x.id as string,
    slug: x.slug as string,
    name: x.name as string,
    createdAt: x.created_at as Date,
  }));
}

export interface OperatorRow {
  operatorId: string;
  edipi: string;
  displayName: string;
  status: 'active' | 'disabled';
  createdAt: Date;
  certificatesExpire: Date | null;
}

export async function adminOperators(q: Queryable): Promise<OperatorRow[]> {
  return (await rows(q, 'admin_operators')).map((x) => ({
    operatorId: x.id as string,
    edipi: x.edipi as string,
    displayName: x.display_name as string,
    status: x.status as OperatorRow['status'],
    createdAt: x.created_at as Date,
    certificatesExpire: (x.certificates_expire as Date | null) ?? null,
  }));
}

export interface GrantRequestRow {
  requestId: string;
  tenantId: string;
  tenant: string;
  operatorId: string;
  edipi: string;
  role: string;
  requestedBy: string;
  requestedAt: Date;
}

export async function adminGrantRequests(q: Queryable): Promise<GrantRequestRow[]> {
  return (await rows(q, 'admin_grant_requests')).map((x) => ({
    requestId: x.id as string,
    tenantId: x.tenant_id as string,
    tenant: x.tenant_slug as string,
    operatorId: x.operator_id as string,
    edipi: x.edipi as string,
    role: x.role as string,
    requestedBy: x.requested_by as string,
    requestedAt: x.requested_at as Date,
  }));
}

/** Every grant with its provenance; called with the system tenant set (bootstrap grants are read from its chain). */
export async function adminGrants(q: Queryable): Promise<GrantForReview[]> {
  return (await rows(q, 'admin_grants')).map((x) => ({
    tenantId: x.tenant_id as string,
    tenantSlug: x.slug as string,
    operatorId: x.operator_id as string,
    edipi: x.edipi as string,
    displayName: x.display_name as string,
    status: x.status as string,
    role: x.role as string,
    grantedAt: x.granted_at as Date,
    grantedBy: (x.granted_by as string | null) ?? null,
    approvedBy: (x.approved_by as string | null) ?? null,
    grantEnvelope: x.grant_envelope ?? null,
    approvalEnvelope: x.approval_envelope ?? null,
    bootstrapRecorded: x.bootstrap_recorded === true,
  }));
}

/** An enrolled certificate as the access review and the re-enrolment read it; `retiredAt` set once a card change retired it. */
export interface EnrolledCertificate {
  operatorId: string;
  usage: string;
  der: Buffer;
  notAfter: Date;
  retiredAt: Date | null;
}

/** Every enrolled certificate, retired ones included (their past signatures still verify), by SHA-256 hex (migration 0026). */
export async function adminCertificates(q: Queryable): Promise<Map<string, EnrolledCertificate>> {
  return new Map(
    (await rows(q, 'admin_certificate_history')).map((x) => [
      (x.sha256 as Buffer).toString('hex'),
      {
        operatorId: x.operator_id as string,
        usage: x.usage as string,
        der: x.der as Buffer,
        notAfter: x.not_after as Date,
        retiredAt: (x.retired_at as Date | null) ?? null,
      },
    ]),
  );
}

/** The operator's certificates in use (SHA-256 hex, sorted): what a re-enrolment retires (migration 0021). */
export async function adminActiveCertificates(
  q: Queryable,
  operatorId: string,
): Promise<{ sha256: string; usage: string }[]> {
  try {
    const r = await q.query<{ sha256: Buffer; usage: string }>(
      'SELECT sha256, usage FROM arx.admin_active_certificates($1)',
      [operatorId],
    );
    return r.rows
      .map((x) => ({ sha256: x.sha256.toString('hex'), usage: x.usage }))
      .sort((a, b) => (a.sha256 < b.sha256 ? -1 : a.sha256 > b.sha256 ? 1 : 0));
  } catch (err) {
    throw definerFailure(err, CODES);
  }
}
