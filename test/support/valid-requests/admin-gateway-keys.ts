import type { RequestOf } from '../../../shared/contract';
import type { adminGatewayKeyCommands } from '../../../shared/contract/domains/admin-gateway-keys';

const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const KEY = 'arx-gateway.field-office.2+5d1b2a7c+AWtleWtleWtleWtleWtleWtleWtleWtleWtleWtleWtleWtl';

/** One valid request per command of shared/contract/domains/admin-gateway-keys.ts (see ../valid-requests.ts). */
export const ADMIN_GATEWAY_KEY_SAMPLES: { [N in keyof typeof adminGatewayKeyCommands]: RequestOf<N> } = {
  'admin.gatewayKeyList': {},
  'admin.gatewayKeyRegister': { tenantId: TENANT, verifierKey: KEY, validFrom: null, validTo: null, pin: '123456' },
  'admin.gatewayKeyRotate': {
    tenantId: TENANT,
    previousKey: 'arx-gateway.field-office.1',
    verifierKey: KEY,
    validFrom: '2026-12-01T00:00:00.000Z',
    overlapSeconds: 3600,
    pin: '123456',
  },
  'admin.gatewayKeyRevoke': {
    tenantId: TENANT,
    keyName: 'arx-gateway.field-office.1',
    validTo: null,
    reason: 'host decommissioned',
    pin: '123456',
  },
  'admin.gatewayKeyEffect': { tenantId: TENANT, keyName: 'arx-gateway.field-office.1', validTo: null },
  'admin.gatewayKeyExport': { tenantIds: null },
};
