import type { companionCommands } from '../../../shared/contract/domains/companion';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';

/** Handlers for the commands in shared/contract/domains/companion.ts. */
export function createCompanionHandlers(deps: DomainDeps): DomainHandlers<typeof companionCommands> {
  return {
    'companion.status': () => deps.companion.status(),
    'companion.enrol': (req) => deps.companion.enrol(req.pin),
    'companion.revoke': (req) => deps.companion.revoke(req.reason),
  };
}
