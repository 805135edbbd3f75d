import type { StoredSignature, StoredVersion } from '../../../../shared/policy';
import type { Queryable } from './queryable';

/**
 * The policy tables (policies, versions, signatures, drafts, publications, rollbacks), inside a
 * tenant transaction: shared by the lifecycle, the history screen, the gateway loader and the
 * demo seed. Digests are hex outside, bytea inside.
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

export async function policyByName(q: Queryable, tenantId: string, name: string): Promise<PolicyRow | null> {
  const r = await q.query<{ id: string; name: string; active: Buffer | null }>(
    'SELECT id, name, active_version_sha256 AS active FROM arx.policies WHERE tenant_id = $1 AND name = $2',
    [tenantId, name],
  );
  const row = r.rows[0];
  return row ? { id: row.id, name: row.name, activeSha256: hex(row.active) } : null;
}

export async function listPolicies(q: Queryable, tenantId: string): Promise<PolicyRow[]> {
  const r = await q.query<{ id: string; name: string; active: Buffer | null }>(
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

export async function versionBySha(q: Queryable, tenantId: string, sha256: string): Promise<VersionRow | null> {
  const r = await q.query<VersionDbRow>(
    `SELECT ${VERSION_COLUMNS} FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id WHERE v.tenant_id = $1 AND v.sha256 = $2`,
    [tenantId, bin(sha256)],
  );
  return r.rows[0] ? toVersion(r.rows[0]) : null;
}

export async function versionsOfPolicy(q: Queryable, tenantId: string, policyId: string): Promise<VersionRow[]> {
  const r = await q.query<VersionDbRow>(
    `SELECT ${VERSION_COLUMNS} FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id
     WHERE v.tenant_id = $1 AND v.policy_id = $2 ORDER BY v.created_at DESC, v.sha256`,
    [tenantId, policyId],
  );
  return r.rows.map(toVersion);
}

export async function signaturesOf(
  q: Queryable,
  tenantId: string,
  sha256s: readonly string[],
): Promise<Map<string, SignatureRow[]>> {
  const out = new Map<string, SignatureRow[]>();
  if (sha256s.length === 0) return out;
  const r = await q.query<{
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

export interface PublicationRow {
  seq: number;
  sha256: string;
  kind: 'publish' | 'rollback';
  rollbackId: string | null;
  publishedBy: string;
  publishedAt: string;
  previousSha256: string | null;
  /** The signed publication statement (DSSE); null on rows written before publications were signed. */
  envelope: unknown;
}

/** The publication history of a policy, newest first. */
export async function publicationsOf(q: Queryable, tenantId: string, policyId: string): Promise<PublicationRow[]> {
  const r = await q.query<{
    seq: number;
    version_sha256: Buffer;
    kind: 'publish' | 'rollback';
    rollback_id: string | null;
    published_by: string;
    published_at: string;
    previous_sha256: Buffer | null;
    envelope: unknown;
  }>(
    `SELECT seq, version_sha256, kind, rollback_id, published_by, previous_sha256, envelope,
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
    previousSha256: hex(x.previous_sha256),
    envelope: x.envelope,
  }));
}

/** The sequence number the policy's next publication takes. */
export async function nextPublicationSeq(q: Queryable, tenantId: string, policyId: string): Promise<number> {
  const r = await q.query<{ n: number }>(
    'SELECT coalesce(max(seq) + 1, 0)::int AS n FROM arx.policy_publications WHERE tenant_id = $1 AND policy_id = $2',
    [tenantId, policyId],
  );
  return r.rows[0]!.n;
}

export async function insertPolicy(q: Queryable, id: string, tenantId: string, name: string): Promise<void> {
  await q.query('INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, $3)', [id, tenantId, name]);
}

export interface NewVersion {
  sha256: string;
  blake3: string;
  tenantId: string;
  policyId: string;
  parentSha256: string | null;
  text: string;
  schema: string;
  tests: readonly unknown[];
  authorId: string;
}

/** A new version, submitted. */
export async function insertVersion(q: Queryable, v: NewVersion): Promise<void> {
  await q.query(
    `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, parent_sha256, policy_text, schema_text, tests, author_id, state)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'submitted')`,
    [
      bin(v.sha256),
      bin(v.blake3),
      v.tenantId,
      v.policyId,
      v.parentSha256 ? bin(v.parentSha256) : null,
      v.text,
      v.schema,
      JSON.stringify(v.tests),
      v.authorId,
    ],
  );
}

/**
 * The version's state, or null when there is no such version. Not locked: operators may not lock
 * rows (no UPDATE right); the step's definer function locks the row and checks the state again.
 */
export async function readVersionState(q: Queryable, tenantId: string, sha256: string): Promise<string | null> {
  const r = await q.query<{ state: string }>(
    'SELECT state FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = $2',
    [tenantId, bin(sha256)],
  );
  return r.rows[0]?.state ?? null;
}

export async function setVersionState(
  q: Queryable,
  tenantId: string,
  sha256: string,
  state: VersionRow['state'],
): Promise<void> {
  await q.query('UPDATE arx.policy_versions SET state = $3 WHERE tenant_id = $1 AND sha256 = $2', [
    tenantId,
    bin(sha256),
    state,
  ]);
}

export async function insertSignature(
  q: Queryable,
  s: {
    tenantId: string;
    sha256: string;
    operatorId: string;
    role: 'author' | 'approver';
    certificateSha256: string;
    envelope: unknown;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [bin(s.sha256), s.tenantId, s.operatorId, s.role, bin(s.certificateSha256), JSON.stringify(s.envelope)],
  );
}

/**
 * The policy's active version. Not locked (operators may not lock rows): the step's definer
 * function locks the policy row and refuses a publication whose previous version moved (AX412).
 */
export async function readActiveVersion(q: Queryable, tenantId: string, policyId: string): Promise<string | null> {
  const r = await q.query<{ active: Buffer | null }>(
    'SELECT active_version_sha256 AS active FROM arx.policies WHERE tenant_id = $1 AND id = $2',
    [tenantId, policyId],
  );
  return hex(r.rows[0]?.active ?? null);
}

export async function setActiveVersion(q: Queryable, tenantId: string, policyId: string, sha256: string) {
  await q.query('UPDATE arx.policies SET active_version_sha256 = $3 WHERE tenant_id = $1 AND id = $2', [
    tenantId,
    policyId,
    bin(sha256),
  ]);
}

/** Appends a signed publication at `seq` (the sequence its statement names). */
export async function appendPublication(
  q: Queryable,
  p: {
    tenantId: string;
    policyId: string;
    seq: number;
    sha256: string;
    previousSha256: string | null;
    kind: 'publish' | 'rollback';
    rollbackId: string | null;
    by: string;
    envelope: unknown;
  },
): Promise<void> {
  await q.query(
    `INSERT INTO arx.policy_publications (tenant_id, policy_id, seq, version_sha256, kind, rollback_id, published_by, previous_sha256, envelope)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb)`,
    [
      p.tenantId,
      p.policyId,
      p.seq,
      bin(p.sha256),
      p.kind,
      p.rollbackId,
      p.by,
      p.previousSha256 ? bin(p.previousSha256) : null,
      JSON.stringify(p.envelope),
    ],
  );
}

export interface PolicyVersionText {
  policy_id: string;
  sha256: Buffer;
  blake3: Buffer;
  policy_text: string;
  schema_text: string;
  tests: unknown[];
}

/** Every version's digests and the texts they are computed over, oldest first. */
export async function policyVersionTexts(q: Queryable, tenantId: string): Promise<PolicyVersionText[]> {
  const r = await q.query<PolicyVersionText>(
    'SELECT policy_id, sha256, blake3, policy_text, schema_text, tests FROM arx.policy_versions WHERE tenant_id = $1 ORDER BY created_at, sha256',
    [tenantId],
  );
  return r.rows;
}

/** A version as an evidence bundle carries it: with its policy's name. */
export interface BundledVersion {
  sha256: Buffer;
  blake3: Buffer;
  policy_id: string;
  name: string;
  state: string;
  parent_sha256: Buffer | null;
  policy_text: string;
  schema_text: string;
  tests: unknown[];
  author_id: string;
}

/** The versions with these digests (hex), with their policy's name, by digest. */
export async function versionsWithPolicyName(
  q: Queryable,
  tenantId: string,
  sha256s: readonly string[],
): Promise<BundledVersion[]> {
  const r = await q.query<BundledVersion>(
    `SELECT v.sha256, v.blake3, v.policy_id, p.name, v.state, v.parent_sha256, v.policy_text, v.schema_text, v.tests, v.author_id
     FROM arx.policy_versions v JOIN arx.policies p ON p.id = v.policy_id
     WHERE v.tenant_id = $1 AND encode(v.sha256, 'hex') = ANY($2::text[]) ORDER BY encode(v.sha256, 'hex')`,
    [tenantId, sha256s],
  );
  return r.rows;
}

export interface BundledSignature {
  version_sha256: Buffer;
  operator_id: string;
  role: string;
  certificate_sha256: Buffer;
  envelope: unknown;
  signed_at: Date;
}

/** The signatures of the versions with these digests (hex), in signing order. */
export async function signaturesInSigningOrder(
  q: Queryable,
  tenantId: string,
  sha256s: readonly string[],
): Promise<BundledSignature[]> {
  const r = await q.query<BundledSignature>(
    `SELECT version_sha256, operator_id, role, certificate_sha256, envelope, signed_at FROM arx.policy_signatures
     WHERE tenant_id = $1 AND encode(version_sha256, 'hex') = ANY($2::text[]) ORDER BY signed_at, role`,
    [tenantId, sha256s],
  );
  return r.rows;
}
