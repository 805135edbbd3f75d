import type { RequestOf } from '../../../shared/contract';
import type { companionCommands } from '../../../shared/contract/domains/companion';

/** One valid request per command of shared/contract/domains/companion.ts (see ../valid-requests.ts). */
export const COMPANION_SAMPLES: { [N in keyof typeof companionCommands]: RequestOf<N> } = {
  'companion.status': {},
  'companion.enrol': { pin: '123456' },
  'companion.revoke': { reason: 'retired' },
};
