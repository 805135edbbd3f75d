import type { auditExplorerCommands } from '../../../shared/contract/domains/audit-explorer';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/audit-explorer.ts. */
export function createAuditExplorerHandlers(deps: DomainDeps): DomainHandlers<typeof auditExplorerCommands> {
  void deps;
  return {};
}
