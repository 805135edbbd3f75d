import type { RequestOf } from '../../../shared/contract';
import type { cacheCommands } from '../../../shared/contract/domains/cache';

/** One valid request per command of shared/contract/domains/cache.ts (see ../valid-requests.ts). */
export const CACHE_SAMPLES: { [N in keyof typeof cacheCommands]: RequestOf<N> } = {};
