import type { RequestOf } from '../../../shared/contract';
import type { witnessCommands } from '../../../shared/contract/domains/witness';

/** One valid request per command of shared/contract/domains/witness.ts (see ../valid-requests.ts). */
export const WITNESS_SAMPLES: { [N in keyof typeof witnessCommands]: RequestOf<N> } = {
  'witnessing.status': {},
  'witnessing.run': {},
  'witnessing.acknowledge': {},
};
