import type { RequestOf } from '../../../shared/contract';
import type { auditVerifyCommands } from '../../../shared/contract/domains/audit-verify';

/** One valid request per command of shared/contract/domains/audit-verify.ts (see ../valid-requests.ts). */
export const AUDIT_VERIFY_SAMPLES: { [N in keyof typeof auditVerifyCommands]: RequestOf<N> } = {
  'audit.tenants': {},
  'audit.verifyStart': { tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', range: { kind: 'seq', from: 0, to: 999 } },
  'audit.verifyStatus': { jobId: 'vj-0123456789abcdef' },
  'audit.verifyCancel': { jobId: 'vj-0123456789abcdef' },
  'audit.verifyResult': { jobId: 'vj-0123456789abcdef' },
  'audit.cosignatures': { tenantId: '3f2504e0-4f89-41d3-9a0c-0305e82c3301', treeSize: 3 },
};
