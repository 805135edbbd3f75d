import type { OperatorSession } from '../../../shared/contract';
import { ArxFailure } from '../../../shared/contract';
import type { auditVerifyCommands } from '../../../shared/contract/domains/audit-verify';
import { withTenant } from '../controlplane/tenant-session';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';
import { sharedDigestPool } from './digest-pool';
import { VerifyJobs } from './verify-jobs';
import { loadWasmBlake3 } from './wasm-blake3';

/** Roles that may verify a tenant's chain (DESIGN.md: the ISSO; an auditor reads the same evidence). */
export const VERIFY_ROLES: ReadonlySet<string> = new Set(['isso', 'auditor']);

/** The operator's tenants where they hold a verifying role. */
export function verifiableTenants(session: OperatorSession): string[] {
  return [...new Set(session.roles.filter((r) => VERIFY_ROLES.has(r.role)).map((r) => r.tenantId))];
}

/** Handlers for the commands in shared/contract/domains/audit-verify.ts. */
export function createAuditVerifyHandlers(deps: DomainDeps): DomainHandlers<typeof auditVerifyCommands> {
  let b3: ReturnType<typeof loadWasmBlake3> | null = null;
  const jobs = new VerifyJobs({
    pool: () => deps.controlPlane.requirePool(),
    digestPool: () => sharedDigestPool(),
    blake3: () => (b3 ??= loadWasmBlake3()),
    publish: (s) => deps.hub.publish('audit.verifyProgress', s),
  });
  const operator = (): OperatorSession => {
    const s = deps.operatorAuth.session();
    if (!s) throw new ArxFailure('SESSION_NONE', 'Log in with your card to verify audit chains.');
    if (s.locked) throw new ArxFailure('SESSION_LOCKED', 'The console is locked: unlock it with your PIN.');
    return s;
  };

  return {
    'audit.tenants': async () => {
      const s = operator();
      const pool = deps.controlPlane.requirePool();
      const out = [];
      for (const id of verifiableTenants(s)) {
        const t = await withTenant(pool, id, async (c) => {
          const row = await c.query<{ id: string; slug: string; name: string }>('SELECT id, slug, name FROM arx.tenants WHERE id = $1', [id]);
          if (!row.rows[0]) return null;
          const stats = await c.query<{ m: string | null; a: Date | null; z: Date | null }>(
            `SELECT (SELECT max(seq) FROM arx.audit_events WHERE tenant_id = $1) AS m,
                    (SELECT min(time) FROM arx.audit_events WHERE tenant_id = $1) AS a,
                    (SELECT max(time) FROM arx.audit_events WHERE tenant_id = $1) AS z`,
            [id],
          );
          const st = stats.rows[0]!;
          return { ...row.rows[0], events: st.m === null ? 0 : Number(st.m) + 1, firstTime: st.a?.toISOString() ?? null, lastTime: st.z?.toISOString() ?? null };
        });
        if (t) out.push(t);
      }
      return out.sort((a, b) => a.slug.localeCompare(b.slug));
    },
    'audit.verifyStart': async (req) => {
      const s = operator();
      if (!verifiableTenants(s).includes(req.tenantId)) {
        throw new ArxFailure('AUDIT_VERIFY_FORBIDDEN', 'You hold no ISSO or auditor role in this tenant.', { path: 'tenantId' });
      }
      if (req.range.kind === 'seq' && req.range.to !== null && req.range.to < req.range.from) {
        throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'The last seq must not be below the first.', { path: 'range.to' });
      }
      if (req.range.kind === 'time' && new Date(req.range.to) < new Date(req.range.from)) {
        throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'The end time must not be before the start time.', { path: 'range.to' });
      }
      const pool = deps.controlPlane.requirePool();
      const tenant = await withTenant(pool, req.tenantId, async (c) => (await c.query<{ id: string; slug: string; name: string }>('SELECT id, slug, name FROM arx.tenants WHERE id = $1', [req.tenantId])).rows[0]);
      if (!tenant) throw new ArxFailure('NOT_FOUND', `No tenant ${req.tenantId}.`, { path: 'tenantId' });
      return jobs.start(s.operatorId, tenant, req.range);
    },
    'audit.verifyStatus': (req) => jobs.status(operator().operatorId, req.jobId),
    'audit.verifyCancel': (req) => jobs.cancel(operator().operatorId, req.jobId),
    'audit.verifyResult': (req) => jobs.result(operator().operatorId, req.jobId),
  };
}
