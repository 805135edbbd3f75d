import type { RequestOf } from '../../../shared/contract';
import type { adminAccessReviewCommands } from '../../../shared/contract/domains/admin-access-review';

/** One valid request per command of shared/contract/domains/admin-access-review.ts (see ../valid-requests.ts). */
export const ADMIN_ACCESS_REVIEW_SAMPLES: { [N in keyof typeof adminAccessReviewCommands]: RequestOf<N> } = {
  'admin.accessReviewPage': { text: 'alpha', problemsOnly: false, expiringOnly: false, page: 1, pageSize: 100 },
  'admin.accessReviewVerifyStart': {},
  'admin.accessReviewVerifyStatus': { jobId: 'av-0123456789abcdef' },
  'admin.accessReviewVerifyCancel': { jobId: 'av-0123456789abcdef' },
};
