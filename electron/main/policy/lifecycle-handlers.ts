import { ArxFailure } from '../../../shared/contract';
import type { policyLifecycleCommands } from '../../../shared/contract/domains/policy-lifecycle';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

const notYet = (): never => {
  throw new ArxFailure('INTERNAL', 'This policy lifecycle command is being built (issue 5).');
};

/** Handlers for the commands in shared/contract/domains/policy-lifecycle.ts. */
export function createPolicyLifecycleHandlers(deps: DomainDeps): DomainHandlers<typeof policyLifecycleCommands> {
  void deps;
  return {
    'policy.list': notYet,
    'policy.history': notYet,
    'policy.get': notYet,
    'policy.getDraft': notYet,
    'policy.saveDraft': notYet,
    'policy.discardDraft': notYet,
    'policy.submit': notYet,
    'policy.approve': notYet,
    'policy.reject': notYet,
    'policy.publish': notYet,
    'policy.rollback': notYet,
    'policy.approveRollback': notYet,
    'policy.diff': notYet,
    'policy.impactStart': notYet,
    'policy.impactStatus': notYet,
    'policy.impactCancel': notYet,
  };
}
