import * as cedar from './cedar-node';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import {
  loadSignedPolicy,
  type EnrolledCertificate,
  type PolicyEngine,
  type PublicationCandidate,
  type SignatureCheck,
} from '../../../shared/policy';
import { withTenant } from '../controlplane/tenant-session';
import { nodeSignatureVerifier } from './node-verify';
import {
  policyByName,
  publicationsOf,
  signaturesOf,
  versionBySha,
  type PublicationRow,
  type VersionRow,
} from '../controlplane/repos/policy-versions';
import { enrolledCertificates } from '../controlplane/repos/operators';
import { rollbackRow } from '../controlplane/repos/policy-rollbacks';

/**
 * The gateway side of two-person integrity. The gateway (and the simulator that
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
export const reasonsOf = (c: SignatureCheck): string[] =>
  c.findings.map((f) => `${f.problem}${f.role ? ` (${f.role})` : ''}: ${f.message}`);

/**
 * Reads every publication of the policy (newest first) with its version, signatures, rollback and
 * the enrolled certificates they name, and hands them to shared/policy's `loadSignedPolicy`, the
 * only path from stored versions to an engine. POLICY_NO_VERIFIED_VERSION when none passes
 * (details.refused says why each was refused).
 */
export async function loadVerifiedPolicy(
  pool: pg.Pool,
  tenantId: string,
  policyName = GATEWAY_POLICY_NAME,
): Promise<LoadedPolicy> {
  const gathered = await withTenant(pool, tenantId, async (c) => {
    const policy = await policyByName(c, tenantId, policyName);
    if (!policy) return null;
    const pubs = await publicationsOf(c, tenantId, policy.id);
    const candidates: Candidate[] = [];
    for (const pub of pubs) {
      const version = await versionBySha(c, tenantId, pub.sha256);
      const signatures = version ? ((await signaturesOf(c, tenantId, [version.sha256])).get(version.sha256) ?? []) : [];
      const rollback = pub.kind === 'rollback' && pub.rollbackId ? await rollbackRow(c, pub.rollbackId) : null;
      candidates.push({ seq: pub.seq, kind: pub.kind, version, signatures, rollback, pub });
    }
    const shas = candidates.flatMap((x) => [
      ...x.signatures.map((s) => s.certificateSha256),
      ...(x.rollback ? [x.rollback.requester.certificateSha256, x.rollback.approver?.certificateSha256 ?? ''] : []),
    ]);
    return { candidates, certs: await enrolledCertificates(c, tenantId, shas.filter(Boolean)) };
  });
  const loaded = gathered
    ? loadSignedPolicy(
        cedar,
        gathered.candidates,
        (sha): EnrolledCertificate | undefined => gathered.certs.get(sha),
        nodeSignatureVerifier,
      )
    : ({ ok: false, refused: [] } as const);
  const refused = (list: readonly { publication: Candidate; reasons: string[] }[]): RefusedPublication[] =>
    list.map((r) => ({ seq: r.publication.seq, sha256: r.publication.pub.sha256, reasons: r.reasons }));
  if (!loaded.ok) {
    const why = refused(loaded.refused);
    throw new ArxFailure(
      'POLICY_NO_VERIFIED_VERSION',
      why.length === 0
        ? `Tenant ${tenantId} has no published ${policyName} policy: the gateway loads none.`
        : `No published version of the ${policyName} policy passes the signature check (${why.length} refused): the gateway loads none.`,
      { refused: why },
    );
  }
  const chosen = loaded.value.publication;
  return {
    engine: loaded.value.engine,
    version: chosen.version!,
    publication: chosen.pub,
    refused: refused(loaded.value.refused),
  };
}

interface Candidate extends PublicationCandidate {
  version: VersionRow | null;
  pub: PublicationRow;
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
