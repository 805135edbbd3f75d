import type { cacheCommands } from '../../../shared/contract/domains/cache';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/cache.ts. */
export function createCacheHandlers(deps: DomainDeps): DomainHandlers<typeof cacheCommands> {
  void deps;
  return {};
}
