import type { reviewCommands } from '../../../shared/contract/domains/review';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/review.ts. */
export function createReviewHandlers(deps: DomainDeps): DomainHandlers<typeof reviewCommands> {
  void deps;
  return {};
}
