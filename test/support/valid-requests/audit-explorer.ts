import type { RequestOf } from '../../../shared/contract';
import type { auditExplorerCommands } from '../../../shared/contract/domains/audit-explorer';

const tenantId = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

/** One valid request per command of shared/contract/domains/audit-explorer.ts (see ../valid-requests.ts). */
export const AUDIT_EXPLORER_SAMPLES: { [N in keyof typeof auditExplorerCommands]: RequestOf<N> } = {
  'explorer.query': {
    tenantId,
    filter: { type: 'com.arx.cost.recorded', team: 'finance', costMin: 10, timeFrom: '2026-11-02T00:00:00Z' },
    sort: { key: 'time', direction: 'desc' },
    cursor: null,
    limit: 100,
  },
  'explorer.matchCount': {
    tenantId,
    filter: { type: 'com.arx.policy.decided', decision: 'deny' },
    sort: { key: 'time', direction: 'desc' },
  },
  'explorer.event': { tenantId, seq: 42 },
  'explorer.facets': { tenantId },
  'explorer.dashboard': { tenantId, timeFrom: null, timeTo: '2026-11-20T00:00:00Z' },
};
