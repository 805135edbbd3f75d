import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT, DEMO_DIRECTORY, type GatewayRequest } from '../../../shared/policy';
import { testFromGatewayRequest, type PolicyTestInput } from '../../../shared/policy/policy-tests';
import { call } from './support';

/** Tuesday 09:15 in New York. */
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

function test(
  name: string,
  request: Omit<GatewayRequest, 'requestId'>,
  expectation: PolicyTestInput['expect'],
): PolicyTestInput {
  const t = testFromGatewayRequest(name, request, DEMO_DIRECTORY, expectation);
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
}

describe('policy.test', () => {
  it('pass, wrong decision, and wrong determining policies are told apart', async () => {
    const tests = [
      test('bob summarises CUI on a weekday', weekday, {
        decision: 'permit',
        determiningPolicies: ['arx.permit.within-clearance'],
      }),
      test(
        'bob on a Saturday is denied',
        { ...weekday, time: '2025-03-08T14:15:00Z' },
        { decision: 'deny', determiningPolicies: ['arx.hours.cui-off-hours'] },
      ),
      test('wrong decision expected', { ...weekday, time: '2025-03-08T14:15:00Z' }, { decision: 'permit' }),
      test(
        'wrong determining policy expected',
        { ...weekday, classification: 'secret' },
        { decision: 'deny', determiningPolicies: ['arx.cost.default-cap'] },
      ),
    ];
    const r = await call('policy.test', { text: DEFAULT_POLICY_TEXT, tests });
    expect(r.evaluated).toBe(true);
    expect(r.results.map((x) => [x.name, x.status])).toEqual([
      ['bob summarises CUI on a weekday', 'pass'],
      ['bob on a Saturday is denied', 'pass'],
      ['wrong decision expected', 'fail'],
      ['wrong determining policy expected', 'fail'],
    ]);
    expect(r.results[2]!.message).toBe('expected permit, got deny');
    expect(r.results[3]!.message).toContain('expected determining policies [arx.cost.default-cap]');
    expect(r.results[3]!.determiningPolicies).toContain('arx.classification.secret-on-premises');
    expect([r.passed, r.failed, r.errored]).toEqual([2, 2, 0]);
  });

  it('determining policies compare as a set: order and repeats do not matter', async () => {
    const text = '@id("b")\npermit (principal, action, resource);\n@id("a")\npermit (principal, action, resource);\n';
    const r = await call('policy.test', {
      text,
      tests: [test('both', weekday, { decision: 'permit', determiningPolicies: ['b', 'a', 'b'] })],
    });
    expect(r.results[0]!.status).toBe('pass');
  });

  it('a policy that errors at evaluation makes the test an error even when the decision matches', async () => {
    // Strict validation catches most run-time errors; Long overflow it cannot.
    const text = `@id("permit-all")\npermit (principal, action, resource);\n@id("overflow")\nforbid (principal, action, resource)\nwhen { context.tokens * 9223372036854775807 > 0 };\n`;
    const r = await call('policy.test', { text, tests: [test('overflowing', weekday, { decision: 'permit' })] });
    expect(r.results[0]).toMatchObject({ status: 'error', decision: 'permit' });
    expect(r.results[0]!.evaluationErrors.map((e) => e.policyId)).toEqual(['overflow']);
    expect(r.results[0]!.message).toContain('overflow');
    expect(r.errored).toBe(1);
  });

  it('a text with validation errors runs no test and says so', async () => {
    const text = '@id("p")\npermit (principal, action, resource) when { context.nope };\n';
    const r = await call('policy.test', { text, tests: [test('any', weekday, { decision: 'permit' })] });
    expect(r.evaluated).toBe(false);
    expect(r.results[0]).toMatchObject({ status: 'error', decision: null });
    expect(r.results[0]!.message).toMatch(/not run: the policy text has \d+ validation error/);
  });

  it('a request that does not fit the schema is an error, not a deny', async () => {
    const good = test('ok', weekday, { decision: 'permit' });
    const bad: PolicyTestInput = {
      ...good,
      name: 'bad context',
      request: { ...good.request, context: { ...good.request.context, tokens: 'many' } },
    };
    const r = await call('policy.test', { text: DEFAULT_POLICY_TEXT, tests: [bad] });
    expect(r.results[0]!.status).toBe('error');
    expect(r.results[0]!.decision).toBeNull();
  });

  it('two tests with the same name: the second is an error', async () => {
    const t = test('same', weekday, { decision: 'permit' });
    const r = await call('policy.test', { text: DEFAULT_POLICY_TEXT, tests: [t, t] });
    expect(r.results.map((x) => x.status)).toEqual(['pass', 'error']);
  });
});
