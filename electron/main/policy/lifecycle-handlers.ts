import { ArxFailure } from '../../../shared/contract';
import type { policyLifecycleCommands } from '../../../shared/contract/domains/policy-lifecycle';
import { cacheFor } from '../cache/cache-service';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';
import { policyDiff } from './diff';
import { ImpactJobs } from './impact';
import { APPROVAL_OUTBOX_KIND, PolicyLifecycle } from './lifecycle';

/** Handlers for the commands in shared/contract/domains/policy-lifecycle.ts. */
export function createPolicyLifecycleHandlers(deps: DomainDeps): DomainHandlers<typeof policyLifecycleCommands> {
  const pool = () => deps.controlPlane.requirePool();
  const cache = cacheFor(deps);
  const lifecycle = new PolicyLifecycle({
    pool,
    auth: deps.operatorAuth,
    onChanged: (e) => deps.hub.publish('policy.changed', e),
    // Approvals signed offline go to the outbox (kind policy.approval) and are delivered when the control plane is back.
    offline: {
      connected: () => deps.controlPlane.status().state === 'connected',
      canQueue: () => cache.status().state === 'unlocked',
      enqueue: (payload, summary) => cache.outbox.enqueue(APPROVAL_OUTBOX_KIND, payload, { summary }),
    },
  });
  cache.outbox.register(APPROVAL_OUTBOX_KIND, lifecycle.approvalDelivery());
  const jobs = new ImpactJobs(pool, (p) => deps.hub.publish('policy.impactProgress', p));
  return {
    'policy.list': ({ tenantId }) => lifecycle.list(tenantId),
    'policy.history': ({ tenantId, policyName }) => lifecycle.history(tenantId, policyName),
    'policy.get': ({ tenantId, sha256 }) => lifecycle.detail(tenantId, sha256),
    'policy.getDraft': ({ tenantId, policyName }) => lifecycle.getDraft(tenantId, policyName),
    'policy.saveDraft': (req) => lifecycle.saveDraft(req),
    'policy.discardDraft': async ({ tenantId, policyName }) => ({ discarded: await lifecycle.discardDraft(tenantId, policyName) }),
    'policy.submit': (req) => lifecycle.submit(req),
    'policy.approve': (req) => lifecycle.approve(req),
    'policy.reject': (req) => lifecycle.reject(req),
    'policy.publish': (req) => lifecycle.publish(req),
    'policy.rollback': (req) => lifecycle.requestRollback(req),
    'policy.approveRollback': (req) => lifecycle.approveRollback(req),
    'policy.diff': async ({ tenantId, from, to }) => policyDiff(await lifecycle.resolveRef(tenantId, from), await lifecycle.resolveRef(tenantId, to)),
    'policy.impactStart': async ({ tenantId, target, window }) => {
      const side = await lifecycle.resolveRef(tenantId, target);
      if (!side) throw new ArxFailure('INVALID_REQUEST', 'Impact analysis needs a draft or a version to replay against.', { path: 'target' });
      return { jobId: jobs.start({ tenantId, text: side.text, schema: side.schema, window }) };
    },
    'policy.impactStatus': ({ jobId }) => jobs.status(jobId),
    'policy.impactCancel': ({ jobId }) => jobs.cancel(jobId),
  };
}
