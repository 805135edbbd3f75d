import type { bundleCommands } from '../../../shared/contract/domains/bundle';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/bundle.ts. */
export function createBundleHandlers(deps: DomainDeps): DomainHandlers<typeof bundleCommands> {
  void deps;
  return {};
}
