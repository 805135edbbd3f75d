import type { RequestOf } from '../../../shared/contract';
import type { reviewCommands } from '../../../shared/contract/domains/review';

/** One valid request per command of shared/contract/domains/review.ts (see ../valid-requests.ts). */
const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const ID = '11111111-2222-4333-8444-555555555555';
export const REVIEW_SAMPLES: { [N in keyof typeof reviewCommands]: RequestOf<N> } = {
  'decisions.reverifyStart': { tenantId: TENANT, fromSeq: 0, toSeq: 100 },
  'decisions.reverifyStatus': { jobId: 'dj-0123456789abcdef' },
  'decisions.reverifyCancel': { jobId: 'dj-0123456789abcdef' },
  'decisions.reverifyResult': { jobId: 'dj-0123456789abcdef' },
  'review.prepare': { tenantId: TENANT, fromSeq: 0, toSeq: 100, reverifyJobId: 'dj-0123456789abcdef' },
  'review.sign': { draftId: ID, pin: '123456' },
  'review.list': { tenantId: TENANT },
  'review.get': { tenantId: TENANT, id: ID },
  'review.verify': { source: { kind: 'stored', tenantId: TENANT, id: ID } },
  'review.export': { source: { kind: 'imported', envelope: '{"payloadType":"x"}' } },
};
