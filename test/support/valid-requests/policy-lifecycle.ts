import type { RequestOf } from '../../../shared/contract';
import type { policyLifecycleCommands } from '../../../shared/contract/domains/policy-lifecycle';

const tenantId = '11111111-2222-4333-8444-555555555555';
const sha256 = 'a'.repeat(64);
const test = {
  name: 'analyst may use a model within clearance',
  request: {
    principal: { type: 'Arx::User', id: 'carol' },
    action: { type: 'Arx::Action', id: 'InvokeModel' },
    resource: { type: 'Arx::Model', id: 'anthropic/claude-sonnet-4' },
    context: { classificationLevel: 1 },
    entities: [{ uid: { type: 'Arx::User', id: 'carol' }, attrs: { clearanceLevel: 1 }, parents: [] }],
  },
  expect: { decision: 'permit' as const, determiningPolicies: ['arx.permit.within-clearance'] },
};

/** One valid request per command of shared/contract/domains/policy-lifecycle.ts (see ../valid-requests.ts). */
export const POLICY_LIFECYCLE_SAMPLES: { [N in keyof typeof policyLifecycleCommands]: RequestOf<N> } = {
  'policy.list': { tenantId },
  'policy.history': { tenantId, policyName: 'gateway' },
  'policy.get': { tenantId, sha256 },
  'policy.getDraft': { tenantId, policyName: 'gateway' },
  'policy.saveDraft': {
    tenantId,
    policyName: 'gateway',
    baseSha256: null,
    text: '@id("a")\npermit (principal, action, resource);\n',
    schema: null,
    tests: [test],
  },
  'policy.discardDraft': { tenantId, policyName: 'gateway' },
  'policy.submit': { tenantId, policyName: 'gateway', sha256, pin: '123456' },
  'policy.approve': { tenantId, sha256, pin: '123456' },
  'policy.reject': { tenantId, sha256 },
  'policy.publish': { tenantId, sha256, pin: '123456' },
  'policy.rollback': { tenantId, sha256, pin: '123456' },
  'policy.approveRollback': { tenantId, rollbackId: tenantId, pin: '123456' },
  'policy.diff': { tenantId, from: { sha256 }, to: { draft: 'gateway' } },
  'policy.impactStart': { tenantId, target: { draft: 'gateway' }, window: { lastDecisions: 100_000 } },
  'policy.impactStatus': { jobId: tenantId },
  'policy.impactCancel': { jobId: tenantId },
};
