import * as cedar from './cedar-node';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import {
  loadSignedPolicy,
  type EnrolledCertificate,
  type PolicyEngine,
  type PublicationCandidate,
  type SignatureCheck,
  type StoredPublication,
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
 * The gateway side of two-person integrity. The gateway (and the simulator that plays it) loads
 * a version only through the policy's chain of signed publications (each signed by its publisher,
 * or a rollback by its requester and a different approver; sequence contiguous; each naming the
 * one before): of those, the newest whose author and approver signatures verify against enrolled
 * operator certificates with the right roles, the approver not being the author. A publication
 * that does not pass is refused and reported, and the one before it stays in force. This is the
 * only path from the control plane to a PolicyEngine: there is no flag that skips the check.
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
 * Reads the policy's publications (newest first) with their versions, signatures, rollbacks and
 * the enrolled certificates they name, and hands them to shared/policy's `loadSignedPolicy`, the
 * only path from stored versions to an engine. POLICY_NO_VERIFIED_VERSION when none passes
 * (details.refused says why each was refused).
 */
export async function loadVerifiedPolicy(
  pool: pg.Pool,
  tenantId: string,
  policyName = GATEWAY_POLICY_NAME,
): Promise<LoadedPolicy> {
  const loaded = await withTenant(pool, tenantId, async (c) => {
    const policy = await policyByName(c, tenantId, policyName);
    return policy ? chooseVersion(c, tenantId, policy.id) : ({ ok: false, refused: [] } as const);
  });
  const refused = (list: readonly { publication: Candidate; reasons: string[] }[]): RefusedPublication[] =>
    list.map((r) => ({ seq: r.publication.pub.seq, sha256: r.publication.pub.sha256, reasons: r.reasons }));
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

/**
 * The version a gateway would load for this policy (inside the caller's tenant transaction), or
 * null: what the console shows as active, so it never shows a version the gateway refuses.
 */
export async function gatewayActiveVersion(
  c: pg.ClientBase,
  tenantId: string,
  policyId: string,
): Promise<string | null> {
  const r = await chooseVersion(c, tenantId, policyId);
  return r.ok ? r.value.publication.pub.sha256 : null;
}

async function chooseVersion(c: pg.ClientBase, tenantId: string, policyId: string) {
  const candidates: Candidate[] = [];
  for (const pub of await publicationsOf(c, tenantId, policyId)) {
    const version = await versionBySha(c, tenantId, pub.sha256);
    const signatures = version ? ((await signaturesOf(c, tenantId, [version.sha256])).get(version.sha256) ?? []) : [];
    const rollback = pub.kind === 'rollback' && pub.rollbackId ? await rollbackRow(c, pub.rollbackId) : null;
    const publication: StoredPublication = {
      seq: pub.seq,
      kind: pub.kind,
      tenantId,
      policyId,
      version: { sha256: pub.sha256, blake3: version?.blake3 ?? '' },
      previousSha256: pub.previousSha256,
      rollbackId: pub.rollbackId,
      publishedBy: pub.publishedBy,
      requestedBy: rollback?.requester.operatorId ?? null,
      envelope: pub.envelope,
    };
    candidates.push({ publication, version, signatures, pub });
  }
  const shas = candidates.flatMap((x) => [
    ...x.signatures.map((s) => s.certificateSha256),
    ...envelopeKeyIds(x.publication.envelope),
  ]);
  const certs = await enrolledCertificates(c, tenantId, [...new Set(shas)]);
  return loadSignedPolicy(
    cedar,
    candidates,
    (sha): EnrolledCertificate | undefined => certs.get(sha),
    nodeSignatureVerifier,
  );
}

/** The key ids (certificate SHA-256) an envelope names, if it has any. */
function envelopeKeyIds(envelope: unknown): string[] {
  const sigs = (envelope as { signatures?: unknown } | null)?.signatures;
  if (!Array.isArray(sigs)) return [];
  return sigs
    .map((s) => (s as { keyid?: unknown } | null)?.keyid)
    .filter((k): k is string => typeof k === 'string' && /^[0-9a-f]{64}$/.test(k));
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
