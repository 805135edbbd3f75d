import type { RequestOf } from '../../../shared/contract';
import type { auditExplorerCommands } from '../../../shared/contract/domains/audit-explorer';

/** One valid request per command of shared/contract/domains/audit-explorer.ts (see ../valid-requests.ts). */
export const AUDIT_EXPLORER_SAMPLES: { [N in keyof typeof auditExplorerCommands]: RequestOf<N> } = {};
