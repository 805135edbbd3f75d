import * as cedar from '@cedar-policy/cedar-wasm/nodejs';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import {
  checkRollbackSignatures,
  checkSignedVersion,
  compilePolicySet,
  type EnrolledCertificate,
  type PolicyEngine,
  type SignatureCheck,
} from '../../../shared/policy';
import { withTenant } from '../controlplane/tenant-session';
import { nodeSignatureVerifier } from './node-verify';
import { enrolledCertificates, policyByName, publicationsOf, signaturesOf, versionBySha, type PublicationRow, type VersionRow } from './policy-store';

/**
 * The gateway side of two-person integrity (issue 5 item 6). The gateway (and the simulator that
 * plays it) loads the newest PUBLISHED version of a tenant's policy whose author and approver
 * signatures verify against enrolled operator certificates with the right roles, the approver not
 * being the author; for a rollback, the rollback's own two signatures too. A publication that does
 * not pass is refused and reported, and the one before it stays in force. This is the only path
 * from the control plane to a PolicyEngine: there is no flag that skips the check.
 */

export interface RefusedPublication {
  seq: number;
  sha256: string;
  reasons: string[];
}

export interface LoadedPolicy {
  engine: PolicyEngine;
  version: VersionRow;
  publication: PublicationRow;
  /** Newer publications that were refused (newest first). */
  refused: RefusedPublication[];
}

export const GATEWAY_POLICY_NAME = 'gateway';

/** Why a version does not pass, one line per finding. */
export const reasonsOf = (c: SignatureCheck): string[] => c.findings.map((f) => `${f.problem}${f.role ? ` (${f.role})` : ''}: ${f.message}`);

/**
 * Checks every publication of the policy, newest first, and compiles the first that passes.
 * POLICY_NO_VERIFIED_VERSION when none does (details.refused says why each was refused).
 */
export async function loadVerifiedPolicy(pool: pg.Pool, tenantId: string, policyName = GATEWAY_POLICY_NAME): Promise<LoadedPolicy> {
  const found = await withTenant(pool, tenantId, async (c) => {
    const policy = await policyByName(c, tenantId, policyName);
    if (!policy) return { chosen: null, refused: [] as RefusedPublication[] };
    const pubs = await publicationsOf(c, tenantId, policy.id);
    const refused: RefusedPublication[] = [];
    for (const pub of pubs) {
      const reasons = await checkPublication(c, tenantId, pub);
      if (reasons.reasons.length === 0 && reasons.version) return { chosen: { pub, version: reasons.version }, refused };
      refused.push({ seq: pub.seq, sha256: pub.sha256, reasons: reasons.reasons });
    }
    return { chosen: null, refused };
  });
  if (!found.chosen) {
    throw new ArxFailure(
      'POLICY_NO_VERIFIED_VERSION',
      found.refused.length === 0
        ? `Tenant ${tenantId} has no published ${policyName} policy: the gateway loads none.`
        : `No published version of the ${policyName} policy passes the signature check (${found.refused.length} refused): the gateway loads none.`,
      { refused: found.refused },
    );
  }
  const { version, pub } = found.chosen;
  const compiled = compilePolicySet(cedar, version.text, { schema: version.schema, tests: version.tests });
  if (!compiled.ok) throw new ArxFailure(compiled.error.code, `The verified version ${version.sha256} does not compile: ${compiled.error.message}`);
  if (compiled.value.version.sha256 !== version.sha256) {
    // Cannot happen after checkSignedVersion recomputed the digest; kept as the last line of defence.
    throw new ArxFailure('POLICY_SIGNATURE_INVALID', `The compiled version ${compiled.value.version.sha256} is not the verified ${version.sha256}.`);
  }
  return { engine: compiled.value, version, publication: pub, refused: found.refused };
}

async function checkPublication(c: pg.ClientBase, tenantId: string, pub: PublicationRow): Promise<{ version: VersionRow | null; reasons: string[] }> {
  const version = await versionBySha(c, tenantId, pub.sha256);
  if (!version) return { version: null, reasons: ['the published version is missing'] };
  const sigs = (await signaturesOf(c, tenantId, [version.sha256])).get(version.sha256) ?? [];
  let rollback: Awaited<ReturnType<typeof rollbackRow>> = null;
  if (pub.kind === 'rollback' && pub.rollbackId) rollback = await rollbackRow(c, pub.rollbackId);
  const certShas = [...sigs.map((s) => s.certificateSha256), ...(rollback ? [rollback.requester.certificateSha256, rollback.approver?.certificateSha256 ?? ''] : [])].filter(Boolean);
  const certs = await enrolledCertificates(c, tenantId, certShas);
  const lookup = (sha: string): EnrolledCertificate | undefined => certs.get(sha);
  const check = checkSignedVersion(version, sigs, lookup, nodeSignatureVerifier);
  const reasons = check.ok ? [] : reasonsOf(check);
  if (pub.kind === 'rollback') {
    if (!rollback) reasons.push('ROLLBACK_MISSING: the rollback this publication names is missing');
    else {
      const r = checkRollbackSignatures(rollback, lookup, nodeSignatureVerifier);
      if (!r.ok) reasons.push(...r.findings.map((f) => `ROLLBACK_UNSIGNED: ${f}`));
    }
  }
  return { version, reasons };
}

export async function rollbackRow(c: pg.ClientBase, id: string) {
  const r = await c.query<{
    id: string;
    tenant_id: string;
    policy_id: string;
    to_sha256: Buffer;
    from_sha256: Buffer | null;
    requested_by: string;
    request_certificate_sha256: Buffer;
    request_envelope: unknown;
    approved_by: string | null;
    approval_certificate_sha256: Buffer | null;
    approval_envelope: unknown;
    state: 'requested' | 'applied' | 'refused';
    requested_at: string;
  }>(
    `SELECT id, tenant_id, policy_id, to_sha256, from_sha256, requested_by, request_certificate_sha256, request_envelope,
            approved_by, approval_certificate_sha256, approval_envelope, state,
            to_char(requested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS requested_at
     FROM arx.policy_rollbacks WHERE id = $1`,
    [id],
  );
  const x = r.rows[0];
  if (!x) return null;
  return {
    rollbackId: x.id,
    tenantId: x.tenant_id,
    policyId: x.policy_id,
    toSha256: x.to_sha256.toString('hex'),
    fromSha256: x.from_sha256 ? x.from_sha256.toString('hex') : null,
    requester: { operatorId: x.requested_by, certificateSha256: x.request_certificate_sha256.toString('hex'), envelope: x.request_envelope },
    approver:
      x.approved_by && x.approval_certificate_sha256
        ? { operatorId: x.approved_by, certificateSha256: x.approval_certificate_sha256.toString('hex'), envelope: x.approval_envelope }
        : null,
    state: x.state,
    requestedAt: x.requested_at,
  };
}

/**
 * The gateway's policy in a long-running process: `refresh()` loads the newest verified
 * publication; when the newest publication is refused, the engine in force stays (and the refusal
 * is reported through `onRefused`).
 */
export class GatewayPolicyHolder {
  private current: LoadedPolicy | null = null;

  constructor(
    private readonly pool: pg.Pool,
    private readonly tenantId: string,
    private readonly onRefused: (refused: RefusedPublication[]) => void = () => {},
    private readonly policyName = GATEWAY_POLICY_NAME,
  ) {}

  get loaded(): LoadedPolicy | null {
    return this.current;
  }

  async refresh(): Promise<LoadedPolicy> {
    try {
      const next = await loadVerifiedPolicy(this.pool, this.tenantId, this.policyName);
      if (next.refused.length > 0) this.onRefused(next.refused);
      // An older good publication than the one in force never replaces it: the newest good one stays.
      if (this.current && next.publication.seq < this.current.publication.seq) return this.current;
      this.current = next;
      return next;
    } catch (err) {
      if (err instanceof ArxFailure && err.code === 'POLICY_NO_VERIFIED_VERSION') {
        this.onRefused((err.details?.refused as RefusedPublication[] | undefined) ?? []);
        if (this.current) return this.current;
      }
      throw err;
    }
  }
}
