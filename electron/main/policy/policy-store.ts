import type pg from 'pg';
import type { StoredSignature, StoredVersion } from '../../../shared/policy';

/**
 * Reads of the policy tables inside a tenant transaction (withTenant / the gateway's own), shared
 * by the lifecycle, the history screen and the gateway loader. Digests are hex outside, bytea inside.
 */
export const hex = (b: Buffer | null): string | null => (b ? b.toString('hex') : null);
export const bin = (h: string): Buffer => Buffer.from(h, 'hex');

export interface PolicyRow {
  id: string;
  name: string;
  activeSha256: string | null;
}

export interface VersionRow extends StoredVersion {
  policyName: string;
  parentSha256: string | null;
  state: 'submitted' | 'approved' | 'published' | 'superseded' | 'rejected';
  createdAt: string;
}

export interface SignatureRow extends StoredSignature {
  signedAt: string;
}

export async function policyByName(c: pg.ClientBase, tenantId: string, name: string): Promise<PolicyRow | null> {
  const r = await c.query<{ id: string; name: string; active: Buffer | null }>(
    'SELECT id, name, active_version_sha256 AS active FROM arx.policies WHERE tenant_id = $1 AND name = $2',
    [tenantId, name],
  );
  const row = r.rows[0];
  return row ? { id: row.id, name: row.name, activeSha256: hex(row.active) } : null;
}

export async function listPolicies(c: pg.ClientBase, tenantId: string): Promise<PolicyRow[]> {
  const r = await c.query<{ id: string; name: string; active: Buffer | null }>(
    'SELECT id, name, active_version_sha256 AS active FROM arx.policies WHERE tenant_id = $1 ORDER BY name',
    [tenantId],
  );
  return r.rows.map((row) => ({ id: row.id, name: row.name, activeSha256: hex(row.active) }));
}

const VERSION_COLUMNS = `v.sha256, v.blake3, v.tenant_id, v.policy_id, p.name AS policy_name, v.parent_sha256, v.policy_text, v.schema_text,
  v.tests, v.author_id, v.state, to_char(v.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS created_at`;

interface VersionDbRow {
  sha256: Buffer;
  blake3: Buffer;
  tenant_id: string;
  policy_id: string;
  policy_name: string;
  parent_sha256: Buffer | null;
  policy_text: string;
  schema_text: string;
  tests: unknown[];
  author_id: string;
  state: VersionRow['state'];
  created_at: string;
}

const toVersion = (r: VersionDbRow): VersionRow => ({
  tenantId: r.tenant_id,
  policyId: r.policy_id,
  policyName: r.policy_name,
  sha256: r.sha256.toString('hex'),
  blake3: r.blake3.toString('hex'),
  parentSha256: hex(r.parent_sha256),
  text: r.policy_text,
  schema: r.schema_text,
  tests: r.tests,
  authorId: r.author_id,
  state: r.state,
  createdAt: r.created_at,
});

export async function versionBySha(c: pg.ClientBase, tenantId: string, sha256: string): Promise<VersionRow | null> {
  const r = await c.query<VersionDbRow>(
    `SELECT ${VERSION_COLUMNS} FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id WHERE v.tenant_id = $1 AND v.sha256 = $2`,
    [tenantId, bin(sha256)],
  );
  return r.rows[0] ? toVersion(r.rows[0]) : null;
}

export async function versionsOfPolicy(c: pg.ClientBase, tenantId: string, policyId: string): Promise<VersionRow[]> {
  const r = await c.query<VersionDbRow>(
    `SELECT ${VERSION_COLUMNS} FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id
     WHERE v.tenant_id = $1 AND v.policy_id = $2 ORDER BY v.created_at DESC, v.sha256`,
    [tenantId, policyId],
  );
  return r.rows.map(toVersion);
}

export async function signaturesOf(
  c: pg.ClientBase,
  tenantId: string,
  sha256s: readonly string[],
): Promise<Map<string, SignatureRow[]>> {
  const out = new Map<string, SignatureRow[]>();
  if (sha256s.length === 0) return out;
  const r = await c.query<{
    version_sha256: Buffer;
    role: 'author' | 'approver';
    operator_id: string;
    certificate_sha256: Buffer;
    envelope: unknown;
    signed_at: string;
  }>(
    `SELECT version_sha256, role, operator_id, certificate_sha256, envelope,
            to_char(signed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS signed_at
     FROM arx.policy_signatures WHERE tenant_id = $1 AND version_sha256 = ANY($2::bytea[]) ORDER BY signed_at`,
    [tenantId, sha256s.map(bin)],
  );
  for (const row of r.rows) {
    const k = row.version_sha256.toString('hex');
    const list = out.get(k) ?? [];
    list.push({
      role: row.role,
      operatorId: row.operator_id,
      certificateSha256: row.certificate_sha256.toString('hex'),
      envelope: row.envelope,
      signedAt: row.signed_at,
    });
    out.set(k, list);
  }
  return out;
}

export { enrolledCertificates, operatorRefs, type OperatorRef } from '../controlplane/repos/operators';

export interface PublicationRow {
  seq: number;
  sha256: string;
  kind: 'publish' | 'rollback';
  rollbackId: string | null;
  publishedBy: string;
  publishedAt: string;
}

/** The publication history of a policy, newest first. */
export async function publicationsOf(c: pg.ClientBase, tenantId: string, policyId: string): Promise<PublicationRow[]> {
  const r = await c.query<{
    seq: number;
    version_sha256: Buffer;
    kind: 'publish' | 'rollback';
    rollback_id: string | null;
    published_by: string;
    published_at: string;
  }>(
    `SELECT seq, version_sha256, kind, rollback_id, published_by,
            to_char(published_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS published_at
     FROM arx.policy_publications WHERE tenant_id = $1 AND policy_id = $2 ORDER BY seq DESC`,
    [tenantId, policyId],
  );
  return r.rows.map((x) => ({
    seq: x.seq,
    sha256: x.version_sha256.toString('hex'),
    kind: x.kind,
    rollbackId: x.rollback_id,
    publishedBy: x.published_by,
    publishedAt: x.published_at,
  }));
}
