import { ArxFailure, requireOperator } from '../../../shared/contract';
import type { policyLifecycleCommands, VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { policyDiff } from './diff';
import { ImpactJobs } from './impact';
import { APPROVAL_OUTBOX_KIND, PolicyLifecycle, queuedApprovalTenant } from './lifecycle';

/** Record kind in the local cache of the version summaries shown (see LifecycleDeps.offline.remember). */
export const VERSION_RECORD_KIND = 'policy.version';

/** Handlers for the commands in shared/contract/domains/policy-lifecycle.ts. */
export function createPolicyLifecycleHandlers(deps: DomainDeps): DomainHandlers<typeof policyLifecycleCommands> {
  const pool = () => deps.controlPlane.requirePool();
  const cache = deps.cache;
  const lifecycle = new PolicyLifecycle({
    pool,
    auth: deps.operatorAuth,
    onChanged: (e) => deps.hub.publish('policy.changed', e),
    // Approvals signed offline go to the outbox (kind policy.approval) and are delivered when the control plane is back.
    offline: {
      writes: deps.offline.writes,
      enqueue: (payload, summary) => deps.offline.writes.enqueue(APPROVAL_OUTBOX_KIND, payload, summary),
      // Versions as shown, sealed in the cache (kind policy.version, key tenant/sha256) so that a
      // console restarted while the control plane is unreachable can still approve them.
      remember: (tenantId, summary) => {
        if (!cache.cache.isUnlocked) return;
        try {
          const key = `${tenantId}/${summary.sha256}`;
          // A read costs no fsync: write only when the sealed copy is missing or differs.
          const kept = cache.get<VersionSummary>(VERSION_RECORD_KIND, key);
          if (kept && JSON.stringify(kept) === JSON.stringify(summary)) return;
          cache.put(VERSION_RECORD_KIND, key, summary, { refetchable: true });
        } catch (err) {
          deps.log(
            `cache: policy version not kept (${(err as ArxFailure).code ?? 'error'}: ${(err as Error).message})`,
          );
        }
      },
      recall: (tenantId, sha256) => {
        if (!cache.cache.isUnlocked) return null;
        try {
          return cache.get<VersionSummary>(VERSION_RECORD_KIND, `${tenantId}/${sha256}`);
        } catch (err) {
          deps.log(
            `cache: policy version not read (${(err as ArxFailure).code ?? 'error'}: ${(err as Error).message})`,
          );
          return null;
        }
      },
    },
  });
  cache.outbox.register(APPROVAL_OUTBOX_KIND, lifecycle.approvalDelivery(), { tenantOf: queuedApprovalTenant });
  const owner = () => requireOperator(deps.operatorAuth.session()).operatorId;
  const jobs = new ImpactJobs(pool, (p) => deps.hub.publish('policy.impactProgress', p));
  return {
    'policy.list': ({ tenantId }) => lifecycle.list(tenantId),
    'policy.history': ({ tenantId, policyName }) => lifecycle.history(tenantId, policyName),
    'policy.get': ({ tenantId, sha256 }) => lifecycle.detail(tenantId, sha256),
    'policy.getDraft': ({ tenantId, policyName }) => lifecycle.getDraft(tenantId, policyName),
    'policy.saveDraft': (req) => lifecycle.saveDraft(req),
    'policy.discardDraft': async ({ tenantId, policyName }) => ({
      discarded: await lifecycle.discardDraft(tenantId, policyName),
    }),
    'policy.submit': (req) => lifecycle.submit(req),
    'policy.approve': (req) => lifecycle.approve(req),
    'policy.reject': (req) => lifecycle.reject(req),
    'policy.publish': (req) => lifecycle.publish(req),
    'policy.rollback': (req) => lifecycle.requestRollback(req),
    'policy.approveRollback': (req) => lifecycle.approveRollback(req),
    'policy.diff': async ({ tenantId, from, to }) =>
      policyDiff(await lifecycle.resolveRef(tenantId, from), await lifecycle.resolveRef(tenantId, to)),
    'policy.impactStart': async ({ tenantId, target, window }) => {
      const side = await lifecycle.resolveRef(tenantId, target);
      if (!side)
        throw new ArxFailure('INVALID_REQUEST', 'Impact analysis needs a draft or a version to replay against.', {
          path: 'target',
        });
      return { jobId: jobs.start(owner(), { tenantId, text: side.text, schema: side.schema, window }) };
    },
    'policy.impactStatus': ({ jobId }) => jobs.status(owner(), jobId),
    'policy.impactCancel': ({ jobId }) => jobs.cancel(owner(), jobId),
  };
}
