import { randomBytes } from 'node:crypto';
import type { OperatorSession } from '../../../shared/contract';
import { ArxFailure, commands, declaredRoles, requireOperator } from '../../../shared/contract';
import type {
  auditVerifyCommands,
  VerifyRange,
  VerifyResult,
  VerifyStatus,
} from '../../../shared/contract/domains/audit-verify';
import type { Sealed } from '../cache/evidence';
import { notCachedHere } from '../cache/offline';
import { newestCheckpoint } from '../controlplane/repos/checkpoints';
import { chainStats } from '../controlplane/repos/events';
import { tenantById } from '../controlplane/repos/tenants';
import { cosignedCheckpointsAt } from '../controlplane/repos/witnesses';
import { withTenant } from '../controlplane/tenant-session';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { sharedDigestPool } from './digest-pool';
import { VerifyJobs } from './verify-jobs';
import { loadBlake3 } from '../crypto/blake3';
import { writerTrustOf } from './writer-check';

/** Roles that may verify a tenant's chain: audit.verifyStart's declaration in the contract. */
export const VERIFY_ROLES: ReadonlySet<string> = new Set(declaredRoles(commands['audit.verifyStart'].access));

/** The operator's tenants where they hold a verifying role. */
export function verifiableTenants(session: OperatorSession): string[] {
  return [...new Set(session.roles.filter((r) => VERIFY_ROLES.has(r.role)).map((r) => r.tenantId))];
}

/** Handlers for the commands in shared/contract/domains/audit-verify.ts. */
export function createAuditVerifyHandlers(deps: DomainDeps): DomainHandlers<typeof auditVerifyCommands> {
  const jobs = createVerifyJobs(deps);
  // Session and roles are checked by the registry from the contract's declarations.
  const operator = (): OperatorSession => requireOperator(deps.operatorAuth.session());
  const evidence = deps.offline.evidence;
  const requested = new Map<string, { tenantId: string; range: VerifyRange }>();
  const cached = new CachedVerifyJobs();
  describeOfflineVerify(deps, cached);

  return {
    'audit.tenants': () => liveTenants(deps, operator()),
    'audit.verifyStart': async (req) => {
      const s = operator();
      checkRange(req.range);
      const tenant = await withTenant(deps.controlPlane.requirePool(), req.tenantId, (c) =>
        tenantById(c, req.tenantId),
      );
      if (!tenant) throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId}.`, { path: 'tenantId' });
      const status = jobs.start(s.operatorId, tenant, req.range);
      requested.set(status.jobId, { tenantId: req.tenantId, range: req.range });
      return status;
    },
    'audit.verifyStatus': (req) => {
      const s = operator();
      return cached.of(s.operatorId, req.jobId)?.status ?? jobs.status(s.operatorId, req.jobId);
    },
    'audit.verifyCancel': (req) => {
      const s = operator();
      return cached.of(s.operatorId, req.jobId)?.status ?? jobs.cancel(s.operatorId, req.jobId);
    },
    'audit.cosignatures': async (req) => {
      const rows = await withTenant(deps.controlPlane.requirePool(), req.tenantId, (c) =>
        cosignedCheckpointsAt(c, req.tenantId, req.treeSize),
      );
      return rows.map((r) => ({
        treeSize: req.treeSize,
        rootSha256: r.root.toString('hex'),
        note: r.note,
        cosignatures: r.lines,
      }));
    },
    'audit.verifyResult': (req) => {
      const s = operator();
      const off = cached.of(s.operatorId, req.jobId);
      if (off) return off.result;
      const result = jobs.result(s.operatorId, req.jobId);
      const asked = requested.get(req.jobId);
      if (asked)
        evidence.store('verification', resultKey(asked.tenantId, asked.range), result, new Date(result.finishedAt));
      return result;
    },
  };
}

function createVerifyJobs(deps: DomainDeps): VerifyJobs {
  let b3: ReturnType<typeof loadBlake3> | null = null;
  return new VerifyJobs({
    pool: () => deps.controlPlane.requirePool(),
    digestPool: () => sharedDigestPool(),
    blake3: () => (b3 ??= loadBlake3()),
    writerTrust: () =>
      writerTrustOf(
        () => deps.trustStore(),
        () => ({ policyArcs: deps.config.card.policyArcs, staleCrl: deps.config.card.staleCrl }),
      ),
    publish: (s) => deps.hub.publish('audit.verifyProgress', s),
  });
}

const resultKey = (tenantId: string, range: VerifyRange) => ({ q: 'audit.verify', tenantId, range });

/**
 * Verifications answered from the cache: finished jobs made from a sealed result, each visible
 * only to the operator it was made for.
 */
class CachedVerifyJobs {
  private readonly jobs = new Map<string, { owner: string; status: VerifyStatus; result: VerifyResult }>();

  serve(owner: string, tenantId: string, hit: Sealed<VerifyResult>): VerifyStatus {
    const jobId = `vj-${randomBytes(8).toString('hex')}`;
    const cached = { at: hit.at };
    const r = { ...hit.value, jobId, cached };
    const status: VerifyStatus = {
      jobId,
      tenantId,
      state: 'done',
      progress: {
        phase: 'done',
        rows: r.counts.events,
        bytes: r.counts.bytes,
        seq: r.lastSeq ?? -1,
        total: r.counts.events,
        eventsPerSecond: 0,
        secondsLeft: 0,
      },
      verdict: r.verdict,
      error: null,
      startedAt: r.startedAt,
      cached,
    };
    this.jobs.set(jobId, { owner, status, result: r });
    return status;
  }

  of(owner: string, jobId: string) {
    const j = this.jobs.get(jobId);
    return j && j.owner === owner ? j : null;
  }
}

/**
 * audit.tenants and audit.verifyStart are declared offline: 'cache' (shared/contract). The tenant
 * list is sealed per operator; a finished result under its tenant and requested range (by
 * audit.verifyResult). With the control plane unreachable, audit.verifyStart of a range whose
 * result is cached makes a finished job holding that result, marked cached.
 */
function describeOfflineVerify(deps: DomainDeps, cached: CachedVerifyJobs): void {
  deps.offline.describe({
    'audit.tenants': {
      kind: 'verification',
      // v2: lists sealed before checkpointedEvents existed are not served (they would not validate).
      key: (_req, session) => ({ q: 'audit.tenants', v: 2, operatorId: session?.operatorId }),
      notCached: () => notCachedHere('your list of tenants'),
    },
    'audit.verifyStart': {
      kind: 'verification',
      key: (req) => resultKey(req.tenantId, req.range),
      // What is sealed is the finished result (audit.verifyResult), not the job just started.
      store: false,
      notCached: (req) => ({
        message: 'The control plane is unreachable and no verification of this range was cached on this workstation.',
        location: { tenantId: req.tenantId, path: 'range' },
      }),
      serve: (hit, req, session) => cached.serve(session!.operatorId, req.tenantId, hit as Sealed<VerifyResult>),
    },
  });
}

function checkRange(range: VerifyRange): void {
  if (range.kind === 'seq' && range.to !== null && range.to < range.from) {
    throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'The last seq must not be below the first.', {
      path: 'range.to',
    });
  }
  if (range.kind === 'time' && new Date(range.to) < new Date(range.from)) {
    throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'The end time must not be before the start time.', {
      path: 'range.to',
    });
  }
}

async function liveTenants(deps: DomainDeps, s: OperatorSession) {
  const pool = deps.controlPlane.requirePool();
  const out = [];
  for (const id of verifiableTenants(s)) {
    const t = await withTenant(pool, id, async (c) => {
      const row = await tenantById(c, id);
      if (!row) return null;
      const st = await chainStats(c, id);
      const cp = await newestCheckpoint(c, id);
      return {
        ...row,
        events: st.size,
        firstTime: st.firstTime?.toISOString() ?? null,
        lastTime: st.lastTime?.toISOString() ?? null,
        checkpointedEvents: cp?.size ?? 0,
        checkpointedAt: cp?.issuedAt.toISOString() ?? null,
      };
    });
    if (t) out.push(t);
  }
  return out.sort((a, b) => a.slug.localeCompare(b.slug));
}
