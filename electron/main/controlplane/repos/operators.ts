import type { EnrolledCertificate } from '../../../../shared/policy';
import type { Queryable } from './queryable';

/**
 * Operators, their enrolled certificates and role grants. Digests are hex outside, bytea inside.
 * role_grants is under forced row-level security: grants are read and written inside withTenant.
 */

const bin = (h: string): Buffer => Buffer.from(h, 'hex');

export interface OperatorRef {
  operatorId: string;
  displayName: string;
  edipi: string;
}

/** The operator with this EDIPI and this login certificate (PIV Authentication or CAC ID, not retired), or null. */
export async function operatorByLogin(
  q: Queryable,
  edipi: string,
  certificateSha256: string,
): Promise<{ id: string; displayName: string; status: 'active' | 'disabled' } | null> {
  const r = await q.query<{ id: string; display_name: string; status: 'active' | 'disabled' }>(
    `SELECT o.id, o.display_name, o.status FROM arx.operators o
     JOIN arx.operator_certificates c ON c.operator_id = o.id
     WHERE o.edipi = $1 AND c.sha256 = $2 AND c.usage IN ('piv-auth', 'cac-id') AND c.retired_at IS NULL`,
    [edipi, bin(certificateSha256)],
  );
  const row = r.rows[0];
  return row ? { id: row.id, displayName: row.display_name, status: row.status } : null;
}

/** Every role the operator holds, in every tenant (arx.operator_grants, a definer function). */
export async function grantsOfOperator(
  q: Queryable,
  operatorId: string,
): Promise<{ tenantId: string; tenantSlug: string; role: string }[]> {
  const r = await q.query<{ tenant_id: string; tenant_slug: string; role: string }>(
    'SELECT tenant_id, tenant_slug, role FROM arx.operator_grants($1)',
    [operatorId],
  );
  return r.rows.map((g) => ({ tenantId: g.tenant_id, tenantSlug: g.tenant_slug, role: g.role }));
}

/** The operator behind the connection (an operator's own login role, enrolled and active), or null. */
export async function currentOperatorId(q: Queryable): Promise<string | null> {
  const r = await q.query<{ id: string | null }>('SELECT arx.current_operator() AS id');
  return r.rows[0]?.id ?? null;
}

/** The tenants and roles of the operator behind the connection (an operator's own login role). */
export async function grantsOfCurrentOperator(
  q: Queryable,
): Promise<{ tenantId: string; tenantSlug: string; role: string }[]> {
  const r = await q.query<{ tenant_id: string; tenant_slug: string; role: string }>(
    'SELECT tenant_id, tenant_slug, role FROM arx.current_operator_grants()',
  );
  return r.rows.map((g) => ({ tenantId: g.tenant_id, tenantSlug: g.tenant_slug, role: g.role }));
}

/** Whether the operator holds the role in the tenant set on this transaction. */
export async function holdsRole(q: Queryable, tenantId: string, operatorId: string, role: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM arx.role_grants WHERE tenant_id = $1 AND operator_id = $2 AND role = $3', [
    tenantId,
    operatorId,
    role,
  ]);
  return (r.rowCount ?? 0) > 0;
}

export async function operatorRefs(q: Queryable, ids: readonly string[]): Promise<Map<string, OperatorRef>> {
  const unique = [...new Set(ids)];
  const out = new Map<string, OperatorRef>();
  if (unique.length === 0) return out;
  const r = await q.query<{ id: string; display_name: string; edipi: string }>(
    'SELECT id, display_name, edipi FROM arx.operators WHERE id = ANY($1::uuid[])',
    [unique],
  );
  for (const row of r.rows) out.set(row.id, { operatorId: row.id, displayName: row.display_name, edipi: row.edipi });
  return out;
}

/** The operator's id by EDIPI, or null. */
export async function operatorIdByEdipi(q: Queryable, edipi: string): Promise<string | null> {
  const r = await q.query<{ id: string }>('SELECT id FROM arx.operators WHERE edipi = $1', [edipi]);
  return r.rows[0]?.id ?? null;
}

/** Inserts an operator, or renames the one with this EDIPI; returns its id (the owner's pool). */
export async function upsertOperator(q: Queryable, id: string, edipi: string, displayName: string): Promise<string> {
  const r = await q.query<{ id: string }>(
    `INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, $3)
     ON CONFLICT (edipi) DO UPDATE SET display_name = EXCLUDED.display_name RETURNING id`,
    [id, edipi, displayName],
  );
  return r.rows[0]!.id;
}

/** Inserts an operator unless one with this EDIPI exists (the owner's pool). */
export async function insertOperatorIfAbsent(q: Queryable, id: string, edipi: string, displayName: string) {
  await q.query(
    'INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, $3) ON CONFLICT (edipi) DO NOTHING',
    [id, edipi, displayName],
  );
}

export interface NewCertificate {
  sha256: string;
  usage: string;
  subject: string;
  notAfter: Date | string;
  der: Uint8Array;
}

/** Replaces every enrolled certificate of the operator (re-provisioned cards carry new keys). */
export async function replaceCertificates(q: Queryable, operatorId: string, certs: readonly NewCertificate[]) {
  await q.query('DELETE FROM arx.operator_certificates WHERE operator_id = $1', [operatorId]);
  for (const c of certs) {
    await q.query(
      `INSERT INTO arx.operator_certificates (sha256, operator_id, usage, subject, not_after, der) VALUES ($1, $2, $3, $4, $5, $6)`,
      [bin(c.sha256), operatorId, c.usage, c.subject, c.notAfter, Buffer.from(c.der)],
    );
  }
}

/** Enrolled certificates by SHA-256 (hex), with the operator each is enrolled for. */
export async function certificatesBySha(
  q: Queryable,
  shas: readonly string[],
): Promise<{ sha256: string; operatorId: string; der: Buffer }[]> {
  if (shas.length === 0) return [];
  const r = await q.query<{ sha256: Buffer; operator_id: string; der: Buffer }>(
    'SELECT sha256, operator_id, der FROM arx.operator_certificates WHERE sha256 = ANY ($1::bytea[])',
    [shas.map(bin)],
  );
  return r.rows.map((x) => ({ sha256: x.sha256.toString('hex'), operatorId: x.operator_id, der: x.der }));
}

/** Grants roles in the tenant set on this transaction; returns how many were new. */
export async function grantRoles(
  q: Queryable,
  tenantId: string,
  operatorId: string,
  roles: readonly string[],
): Promise<number> {
  let added = 0;
  for (const role of roles) {
    const r = await q.query(
      'INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING',
      [tenantId, operatorId, role],
    );
    added += r.rowCount ?? 0;
  }
  return added;
}

/** The operator's newest Digital Signature certificate in use (not retired by a re-enrolment), or null. */
export async function signingCertificateOf(
  q: Queryable,
  operatorId: string,
): Promise<{ der: Buffer; sha256: string } | null> {
  const r = await q.query<{ der: Buffer; sha256: Buffer }>(
    `SELECT der, sha256 FROM arx.operator_certificates WHERE operator_id = $1 AND usage = 'signature' AND retired_at IS NULL ORDER BY not_after DESC LIMIT 1`,
    [operatorId],
  );
  const row = r.rows[0];
  return row ? { der: row.der, sha256: row.sha256.toString('hex') } : null;
}

/** Enrolled certificates (by SHA-256 hex) with their operator's status and roles in this tenant. */
export async function enrolledCertificates(
  q: Queryable,
  tenantId: string,
  sha256s: readonly string[],
): Promise<Map<string, EnrolledCertificate>> {
  const out = new Map<string, EnrolledCertificate>();
  const unique = [...new Set(sha256s)];
  if (unique.length === 0) return out;
  const r = await q.query<{
    sha256: Buffer;
    operator_id: string;
    usage: string;
    der: Buffer;
    status: string;
    roles: string[] | null;
  }>(
    `SELECT oc.sha256, oc.operator_id, oc.usage, oc.der, o.status,
            (SELECT array_agg(g.role ORDER BY g.role) FROM arx.role_grants g WHERE g.tenant_id = $1 AND g.operator_id = oc.operator_id) AS roles
     FROM arx.operator_certificates oc JOIN arx.operators o ON o.id = oc.operator_id
     WHERE oc.sha256 = ANY($2::bytea[])`,
    [tenantId, unique.map(bin)],
  );
  for (const row of r.rows) {
    out.set(row.sha256.toString('hex'), {
      operatorId: row.operator_id,
      usage: row.usage,
      der: new Uint8Array(row.der),
      operatorActive: row.status === 'active',
      roles: row.roles ?? [],
    });
  }
  return out;
}

/** Enrolled certificates' DER by SHA-256 hex (unknown ones are absent). */
export async function certificateDers(q: Queryable, sha256s: readonly string[]): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>();
  if (sha256s.length === 0) return out;
  const r = await q.query<{ sha256: Buffer; der: Buffer }>(
    `SELECT sha256, der FROM arx.operator_certificates WHERE encode(sha256, 'hex') = ANY($1::text[])`,
    [[...sha256s]],
  );
  for (const row of r.rows) out.set(row.sha256.toString('hex'), new Uint8Array(row.der));
  return out;
}

/** The enrolment behind each certificate (hex SHA-256): operator, usage, whether active, roles in the tenant. */
export async function certificateEnrolments(
  q: Queryable,
  tenantId: string,
  sha256s: readonly string[],
): Promise<
  { certificateSha256: string; operatorId: string; usage: string; operatorActive: boolean; roles: string[] }[]
> {
  const r = await q.query<{
    sha256: Buffer;
    operator_id: string;
    usage: string;
    status: string;
    roles: string[] | null;
  }>(
    `SELECT c.sha256, c.operator_id, c.usage, o.status,
            (SELECT array_agg(g.role ORDER BY g.role) FROM arx.role_grants g WHERE g.tenant_id = $1 AND g.operator_id = c.operator_id) AS roles
     FROM arx.operator_certificates c JOIN arx.operators o ON o.id = c.operator_id WHERE encode(c.sha256, 'hex') = ANY($2::text[])`,
    [tenantId, sha256s],
  );
  return r.rows.map((e) => ({
    certificateSha256: e.sha256.toString('hex'),
    operatorId: e.operator_id,
    usage: e.usage,
    operatorActive: e.status === 'active',
    roles: e.roles ?? [],
  }));
}
