import type { RequestOf } from '../../../shared/contract';
import type { policyAuthoringCommands } from '../../../shared/contract/domains/policy-authoring';

const TEXT = '@id("p")\npermit (principal, action, resource);\n';

/** One valid request per command of shared/contract/domains/policy-authoring.ts (see ../valid-requests.ts). */
export const POLICY_AUTHORING_SAMPLES: { [N in keyof typeof policyAuthoringCommands]: RequestOf<N> } = {
  'policy.validate': { text: TEXT },
  'policy.format': { text: TEXT },
  'policy.templates': {},
  'policy.test': {
    text: TEXT,
    tests: [
      {
        name: 'bob may summarise CUI with Claude',
        request: {
          principal: { type: 'Arx::User', id: 'bob' },
          action: { type: 'Arx::Action', id: 'InvokeModel' },
          resource: { type: 'Arx::Model', id: 'anthropic/claude-sonnet-4' },
          context: { classificationLevel: 2 },
          entities: [{ uid: { type: 'Arx::User', id: 'bob' }, attrs: { clearanceLevel: 2 }, parents: [] }],
        },
        expect: { decision: 'permit', determiningPolicies: ['p'] },
      },
    ],
  },
};
