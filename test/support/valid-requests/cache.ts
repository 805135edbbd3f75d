import type { RequestOf } from '../../../shared/contract';
import type { cacheCommands } from '../../../shared/contract/domains/cache';
import { SAMPLE_RECOVERY_KEY } from '../sample-files';

/** One valid request per command of shared/contract/domains/cache.ts (see ../valid-requests.ts). */
export const CACHE_SAMPLES: { [N in keyof typeof cacheCommands]: RequestOf<N> } = {
  'cache.status': {},
  'cache.unlock': {},
  'cache.recover': { privateKeyFile: SAMPLE_RECOVERY_KEY, passphrase: null },
  'cache.lock': {},
  'cache.wipe': { discardOutbox: false },
  'cache.rewrap': { slot: '0', removeOthers: false },
  'cache.rotate': { batchSize: 500 },
  'cache.rebuild': {},
  'cache.outboxList': {},
  'cache.entries': { limit: 20 },
  'cache.outboxDeliver': {},
};
