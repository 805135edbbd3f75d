import type { RequestOf } from '../../../shared/contract';
import type { adminCommands } from '../../../shared/contract/domains/admin';

/** One valid request per command of shared/contract/domains/admin.ts (see ../valid-requests.ts). */
const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const OPERATOR = '11111111-2222-4333-8444-555555555555';
export const ADMIN_SAMPLES: { [N in keyof typeof adminCommands]: RequestOf<N> } = {
  'admin.tenantList': {},
  'admin.tenantCreate': { slug: 'field-office', name: 'Field office', pin: '123456' },
  'admin.tenantRename': { tenantId: TENANT, name: 'Field office north', pin: '123456' },
  'admin.operatorCheck': { files: [{ name: 'card.pem', base64: 'LS0tLS1CRUdJTg==' }] },
  'admin.operatorEnrol': { files: [{ name: 'card.pem', base64: 'LS0tLS1CRUdJTg==' }], pin: '123456' },
  'admin.operatorReenrol': {
    operatorId: OPERATOR,
    files: [{ name: 'new-card.pem', base64: 'LS0tLS1CRUdJTg==' }],
    pin: '123456',
  },
  'admin.operatorList': {},
  'admin.operatorDisable': { operatorId: OPERATOR, pin: '123456' },
  'admin.operatorEnable': { operatorId: OPERATOR, pin: '123456' },
  'admin.grant': { tenantId: TENANT, operatorId: OPERATOR, role: 'auditor', pin: '123456' },
  'admin.grantRequests': {},
  'admin.approve': { requestId: OPERATOR, pin: '123456' },
  'admin.revoke': { tenantId: TENANT, operatorId: OPERATOR, role: 'auditor', pin: '123456' },
  'admin.accessReview': {},
  'admin.accessReviewExport': {},
  'admin.accessReviewCsv': {},
};
