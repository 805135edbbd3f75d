import type { RequestOf } from '../../../shared/contract';
import type { reviewCommands } from '../../../shared/contract/domains/review';

/** One valid request per command of shared/contract/domains/review.ts (see ../valid-requests.ts). */
export const REVIEW_SAMPLES: { [N in keyof typeof reviewCommands]: RequestOf<N> } = {};
