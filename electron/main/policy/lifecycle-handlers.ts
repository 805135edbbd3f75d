import type { policyLifecycleCommands } from '../../../shared/contract/domains/policy-lifecycle';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/policy-lifecycle.ts. */
export function createPolicyLifecycleHandlers(deps: DomainDeps): DomainHandlers<typeof policyLifecycleCommands> {
  void deps;
  return {};
}
