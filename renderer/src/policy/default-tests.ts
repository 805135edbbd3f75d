import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { DEMO_DIRECTORY } from '../../../shared/policy/demo-directory';
import type { GatewayRequest } from '../../../shared/policy/gateway-request';
import { testFromGatewayRequest, type PolicyTestInput } from '../../../shared/policy/policy-tests';

/** Tuesday 09:15 in the enclave (UTC-5). */
const weekday: Omit<GatewayRequest, 'requestId'> = {
  user: 'bob',
  team: 'operations',
  provider: 'anthropic',
  model: 'claude-sonnet-4',
  classification: 'cui',
  jurisdiction: 'US',
  purpose: 'summarise',
  promptTokens: 1200,
  estimatedCostCents: 40,
  time: '2025-03-04T14:15:00Z',
  utcOffsetMinutes: -300,
};

const make = (name: string, r: Omit<GatewayRequest, 'requestId'>, expect: PolicyTestInput['expect']): PolicyTest => {
  const t = testFromGatewayRequest(name, r, DEMO_DIRECTORY, expect);
  if (!t.ok) throw new Error(`default test ${name}: ${t.error.message}`);
  return t.value as PolicyTest;
};

/** The tests a new draft of the default policies starts with (they pass against DEFAULT_POLICY_TEXT). */
export function defaultPolicyTests(): PolicyTest[] {
  return [
    make('CUI to an accredited model on a weekday', weekday, {
      decision: 'permit',
      determiningPolicies: ['arx.permit.within-clearance'],
    }),
    make(
      'CUI on a Saturday is refused',
      { ...weekday, time: '2025-03-08T14:15:00Z' },
      { decision: 'deny', determiningPolicies: ['arx.hours.cui-off-hours'] },
    ),
    make(
      'Secret never leaves the enclave',
      { ...weekday, user: 'alice', team: 'research', classification: 'secret' },
      { decision: 'deny' },
    ),
  ];
}
