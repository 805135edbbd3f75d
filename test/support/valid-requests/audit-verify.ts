import type { RequestOf } from '../../../shared/contract';
import type { auditVerifyCommands } from '../../../shared/contract/domains/audit-verify';

/** One valid request per command of shared/contract/domains/audit-verify.ts (see ../valid-requests.ts). */
export const AUDIT_VERIFY_SAMPLES: { [N in keyof typeof auditVerifyCommands]: RequestOf<N> } = {};
