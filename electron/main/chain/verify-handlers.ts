import type { auditVerifyCommands } from '../../../shared/contract/domains/audit-verify';
import type { DomainDeps, DomainHandlers } from '../core/domain-deps';

/** Handlers for the commands in shared/contract/domains/audit-verify.ts. */
export function createAuditVerifyHandlers(deps: DomainDeps): DomainHandlers<typeof auditVerifyCommands> {
  void deps;
  return {};
}
