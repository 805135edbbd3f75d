import type { RequestOf } from '../../../shared/contract';
import type { policyAuthoringCommands } from '../../../shared/contract/domains/policy-authoring';

/** One valid request per command of shared/contract/domains/policy-authoring.ts (see ../valid-requests.ts). */
export const POLICY_AUTHORING_SAMPLES: { [N in keyof typeof policyAuthoringCommands]: RequestOf<N> } = {};
