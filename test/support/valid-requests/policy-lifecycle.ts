import type { RequestOf } from '../../../shared/contract';
import type { policyLifecycleCommands } from '../../../shared/contract/domains/policy-lifecycle';

/** One valid request per command of shared/contract/domains/policy-lifecycle.ts (see ../valid-requests.ts). */
export const POLICY_LIFECYCLE_SAMPLES: { [N in keyof typeof policyLifecycleCommands]: RequestOf<N> } = {};
