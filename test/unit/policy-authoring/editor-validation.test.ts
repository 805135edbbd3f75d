import * as cedar from '../../../electron/main/policy/cedar-node';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT, DEMO_DIRECTORY, validatePolicies } from '../../../shared/policy';
import { memoizedBindings } from '../../../shared/policy/editor-validation';
import { runPolicyTests, testFromGatewayRequest } from '../../../shared/policy/policy-tests';

const texts = [
  DEFAULT_POLICY_TEXT,
  DEFAULT_POLICY_TEXT.replace(
    'context.tokens > resource.maxTokensPerRequest',
    'context.tokenz > resource.maxTokensPerRequest',
  ),
  `${DEFAULT_POLICY_TEXT}\n@id("arx.permit.within-clearance")\npermit (principal, action, resource);\n`,
  '// 東京 🚀\npermit (principal, action resource);',
  '',
];

describe('memoized bindings for the editor', () => {
  it('give the same reports as plain Cedar, edit after edit and back again', () => {
    const fast = memoizedBindings(cedar, 8);
    for (const text of [...texts, ...texts.slice().reverse(), ...texts]) {
      expect(validatePolicies(fast, text)).toEqual(validatePolicies(cedar, text));
    }
  });
});

describe('policy tests reuse one Cedar slot', () => {
  it('each run decides with its own text, not the one parsed before', () => {
    const t = testFromGatewayRequest(
      'bob',
      {
        user: 'bob',
        team: 'operations',
        provider: 'anthropic',
        model: 'claude-sonnet-4',
        classification: 'cui',
        jurisdiction: 'US',
        purpose: 'x',
        promptTokens: 10,
        estimatedCostCents: 10,
        time: '2025-03-04T14:15:00Z',
        utcOffsetMinutes: -300,
      },
      DEMO_DIRECTORY,
      { decision: 'permit' },
    );
    if (!t.ok) throw new Error(t.error.message);
    const permitAll = '@id("all")\npermit (principal, action, resource);\n';
    const denyAll = `${permitAll}@id("none")\nforbid (principal, action, resource);\n`;
    const decisions = [permitAll, denyAll, permitAll, DEFAULT_POLICY_TEXT, denyAll].map(
      (text) => runPolicyTests(cedar, text, [t.value]).results[0]!.decision,
    );
    expect(decisions).toEqual(['permit', 'deny', 'permit', 'permit', 'deny']);
  });
});
