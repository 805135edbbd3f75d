import type { witnessCommands } from '../../../shared/contract/domains/witness';
import type { DomainHandlers } from '../handlers/domain-deps';
import type { ConsoleWitness } from './console-witness';

/** Handlers for the commands in shared/contract/domains/witness.ts. */
export function createWitnessHandlers(witness: ConsoleWitness): DomainHandlers<typeof witnessCommands> {
  return {
    'witnessing.status': () => witness.status(),
    'witnessing.run': () => witness.run(),
    'witnessing.acknowledge': () => witness.acknowledge(),
  };
}
