import type { policyAuthoringCommands } from '../../../shared/contract/domains/policy-authoring';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/policy-authoring.ts. */
export function createPolicyAuthoringHandlers(deps: DomainDeps): DomainHandlers<typeof policyAuthoringCommands> {
  void deps;
  return {};
}
