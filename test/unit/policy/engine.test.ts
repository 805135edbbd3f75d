import { createHash } from 'node:crypto';
import { blake3 } from 'hash-wasm';
import { describe, expect, it } from 'vitest';
import {
  compilePolicySet,
  DEFAULT_POLICIES,
  DEFAULT_POLICY_TEXT,
  DEMO_DIRECTORY,
  GATEWAY_SCHEMA,
  decideGatewayRequest,
  toCedarRequest,
  type GatewayRequest,
  type PolicyDecision,
  type PolicyEngine,
} from '../../../shared/policy';
import { baseRequest, cedar, compile, unwrap } from './support';

const engine = compile(DEFAULT_POLICY_TEXT);

function decide(over: Partial<GatewayRequest>, e: PolicyEngine = engine): PolicyDecision {
  return unwrap(decideGatewayRequest(e, { ...baseRequest, ...over }, DEMO_DIRECTORY)).decision;
}

const SATURDAY_NOON_NY = { time: '2025-03-08T17:00:00Z', utcOffsetMinutes: -300 };
const GOOD_REASON = { justification: 'Incident 4711: outage triage for the duty officer' };

describe('the default policies decide', () => {
  it.each<[string, Partial<GatewayRequest>, PolicyDecision['decision'], string[]]>([
    ['CUI within clearance, model, region, hours and budget', {}, 'permit', ['arx.permit.within-clearance']],
    ['data above the user clearance: nothing permits it', { user: 'dave' }, 'deny', []],
    [
      'CUI to a model accredited only for internal data',
      { provider: 'openai', model: 'gpt-4o' },
      'deny',
      ['arx.classification.model-ceiling'],
    ],
    [
      'data from a jurisdiction the model does not process in',
      { provider: 'google-vertex', model: 'gemini-2.5-pro', jurisdiction: 'FR' },
      'deny',
      ['arx.jurisdiction.model-region'],
    ],
    [
      'secret data to a cloud model',
      { user: 'alice', team: 'research', classification: 'secret' },
      'deny',
      ['arx.classification.model-ceiling', 'arx.classification.secret-on-premises'],
    ],
    [
      'secret data to the enclave model',
      {
        user: 'alice',
        team: 'research',
        classification: 'secret',
        provider: 'mistral',
        model: 'mistral-large-enclave',
      },
      'permit',
      ['arx.permit.within-clearance'],
    ],
    [
      'a prompt above the model token limit',
      { provider: 'groq', model: 'llama-3.3-70b', classification: 'public', promptTokens: 40_000 },
      'deny',
      ['arx.limits.model-tokens'],
    ],
    ['above the default cost cap', { estimatedCostCents: 201 }, 'deny', ['arx.cost.default-cap']],
    [
      'within the research cap, above the default',
      { user: 'alice', team: 'research', estimatedCostCents: 1500 },
      'permit',
      ['arx.permit.within-clearance'],
    ],
    [
      'the same cost billed to intel-analysis',
      { user: 'alice', team: 'intel-analysis', estimatedCostCents: 1500 },
      'deny',
      ['arx.cost.intel-analysis-cap'],
    ],
    ['CUI on a Saturday', SATURDAY_NOON_NY, 'deny', ['arx.hours.cui-off-hours']],
    ['CUI at 19:00 local on a weekday', { time: '2025-03-05T00:00:00Z' }, 'deny', ['arx.hours.cui-off-hours']],
    [
      'internal data on a Saturday',
      { ...SATURDAY_NOON_NY, classification: 'internal' },
      'permit',
      ['arx.permit.within-clearance'],
    ],
    [
      'CUI on a Saturday with break-glass by an eligible user',
      { ...SATURDAY_NOON_NY, user: 'alice', team: 'research', breakGlass: GOOD_REASON },
      'permit',
      ['arx.permit.within-clearance'],
    ],
    [
      'break-glass by a user who may not',
      { ...SATURDAY_NOON_NY, breakGlass: GOOD_REASON },
      'deny',
      ['arx.break-glass.misuse', 'arx.hours.cui-off-hours'],
    ],
    [
      'break-glass with a token justification (padding does not count)',
      { ...SATURDAY_NOON_NY, user: 'alice', team: 'research', breakGlass: { justification: '   because          ' } },
      'deny',
      ['arx.break-glass.misuse', 'arx.hours.cui-off-hours'],
    ],
    [
      'break-glass lifts a cost cap',
      { user: 'alice', team: 'intel-analysis', estimatedCostCents: 1500, breakGlass: GOOD_REASON },
      'permit',
      ['arx.permit.within-clearance'],
    ],
    [
      'break-glass never lifts classification',
      { user: 'alice', team: 'research', classification: 'secret', breakGlass: GOOD_REASON },
      'deny',
      ['arx.classification.model-ceiling', 'arx.classification.secret-on-premises'],
    ],
  ])('%s', (_name, over, decision, determining) => {
    const d = decide(over);
    expect(d).toEqual({ decision, determiningPolicies: determining, errors: [], flagged: false });
  });
});

describe('a policy that fails to evaluate', () => {
  it('an overflowing forbid is skipped by Cedar: the decision carries its id in errors and is flagged', () => {
    const text = `${DEFAULT_POLICY_TEXT}\n@id("zz.tokens-overflow")\nforbid (principal, action, resource)\nwhen { context.tokens * 4611686018427387904 > 0 };\n`;
    // Strict validation cannot see overflow: this policy is accepted, and errors only at run time.
    const e = compile(text);
    const d = decide({}, e);
    expect(d.decision).toBe('permit');
    expect(d.flagged).toBe(true);
    expect(d.errors).toHaveLength(1);
    expect(d.errors[0]!.policyId).toBe('zz.tokens-overflow');
    expect(d.errors[0]!.message).toMatch(/overflow/);
    expect(d.determiningPolicies).toEqual(['arx.permit.within-clearance']);
  });

  it('a forbid reading a missing optional attribute (compiled without validation) is flagged', () => {
    const text = `${DEFAULT_POLICY_TEXT}\n@id("zz.unguarded")\nforbid (principal, action, resource)\nwhen { context.breakGlass.justificationLength < 1000 };\n`;
    const refused = compilePolicySet(cedar, text);
    expect(refused.ok).toBe(false);
    if (!refused.ok) {
      expect(refused.error.code).toBe('POLICY_VALIDATION_ERROR');
      expect(refused.error.details?.diagnostics?.[0]).toMatchObject({
        policyId: 'zz.unguarded',
        location: { line: expect.any(Number) },
      });
    }
    const e = compile(text, { validate: false });
    const d = decide({}, e);
    expect(d).toMatchObject({ decision: 'permit', flagged: true, errors: [{ policyId: 'zz.unguarded' }] });
    expect(d.errors[0]!.message).toContain('breakGlass');
    // With break-glass present the same policy evaluates and denies, cleanly.
    expect(decide({ user: 'alice', team: 'research', breakGlass: GOOD_REASON }, e)).toEqual({
      decision: 'deny',
      determiningPolicies: ['zz.unguarded'],
      errors: [],
      flagged: false,
    });
  });

  it('errors of several policies are sorted by id and flagged on a deny as well', () => {
    const text = `${DEFAULT_POLICY_TEXT}
@id("b.overflow") permit (principal, action, resource) when { context.tokens * 4611686018427387904 > 0 };
@id("a.overflow") forbid (principal, action, resource) when { context.estimatedCostCents * 4611686018427387904 > 0 };`;
    const e = compile(text);
    for (let i = 0; i < 5; i++) {
      const d = decide({ user: 'dave' }, e);
      expect(d.decision).toBe('deny');
      expect(d.flagged).toBe(true);
      expect(d.errors.map((x) => x.policyId)).toEqual(['a.overflow', 'b.overflow']);
    }
  });
});

describe('determining policies', () => {
  const many = {
    ...SATURDAY_NOON_NY,
    user: 'bob',
    provider: 'openai',
    model: 'gpt-4o',
    jurisdiction: 'DE',
    estimatedCostCents: 999,
    promptTokens: 200_000,
    breakGlass: GOOD_REASON,
  } as const;
  const expected = [
    'arx.break-glass.misuse',
    'arx.classification.model-ceiling',
    'arx.cost.default-cap',
    'arx.hours.cui-off-hours',
    'arx.jurisdiction.model-region',
    'arx.limits.model-tokens',
  ];

  it('are sorted and the same on every call', () => {
    for (let i = 0; i < 20; i++) expect(decide(many).determiningPolicies).toEqual(expected);
  });

  it('do not depend on the order of the policies in the text', () => {
    const orders = [
      [...DEFAULT_POLICIES].reverse(),
      [...DEFAULT_POLICIES].sort((a, b) => (a.id < b.id ? 1 : -1)),
      DEFAULT_POLICIES.map((p, i) => ({ p, k: (i * 7) % DEFAULT_POLICIES.length }))
        .sort((a, b) => a.k - b.k)
        .map((x) => x.p),
    ];
    for (const order of orders) {
      const e = compile(order.map((p) => p.text).join('\n'));
      expect(e.version.sha256).not.toBe(engine.version.sha256);
      expect(e.policyIds).toEqual(order.map((p) => p.id));
      expect(decide(many, e).determiningPolicies).toEqual(expected);
    }
  });

  it('two engines in the same WASM instance do not see each other’s policies', () => {
    const onlyPermit = compile(DEFAULT_POLICIES[0]!.text);
    expect(decide(many, onlyPermit).determiningPolicies).toEqual(['arx.permit.within-clearance']);
    expect(decide(many).determiningPolicies).toEqual(expected);
  });
});

describe('compiling', () => {
  it('the version is SHA-256 and BLAKE3 of the version preimage (text, schema, tests; docs/policy-versions.md)', async () => {
    // Deliberate format change: the version covers the schema and the tests too, so a
    // decision names the exact signed version. The preimage is spelled out here independently.
    const text = `// Prüfung 🚀\n${DEFAULT_POLICY_TEXT}`;
    const e = compile(text);
    const enc = new TextEncoder();
    const part = (name: string, body: string) => `${name} ${enc.encode(body).length}\n${body}\n`;
    const pre = `arx-policy-version/1\n${part('policies', text)}${part('schema', GATEWAY_SCHEMA)}${part('tests', '[]')}`;
    expect(e.version.sha256).toBe(createHash('sha256').update(pre, 'utf8').digest('hex'));
    expect(e.version.blake3).toBe(await blake3(enc.encode(pre)));
  });

  it('an id that is also an Object.prototype member is an ordinary id', () => {
    const e = compile(
      `${DEFAULT_POLICY_TEXT}@id("__proto__") forbid (principal, action, resource);\n@id("constructor") forbid (principal, action, resource);\n`,
    );
    expect(decide({}, e).determiningPolicies).toEqual(['__proto__', 'constructor']);
  });

  it('refuses a text that does not parse, with the located diagnostics', () => {
    const r = compilePolicySet(cedar, '@id("x") permit (principal, action resource);');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('POLICY_PARSE_ERROR');
      expect(r.error.message).toMatch(/line 1, column \d+/);
      expect(r.error.details?.diagnostics?.[0]?.location).toBeDefined();
    }
  });
});

describe('requests that do not fit the schema', () => {
  const request = unwrap(toCedarRequest(baseRequest, DEMO_DIRECTORY));

  it('are refused with POLICY_REQUEST_INVALID, never decided', () => {
    const extra = engine.evaluate({ ...request, context: { ...request.context, surprise: 1 } });
    expect(extra).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    const wrongType = engine.evaluate({ ...request, context: { ...request.context, tokens: '1200' } });
    expect(wrongType).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    const badEntity = engine.evaluate({
      ...request,
      entities: [{ uid: { type: 'Arx::Bogus', id: 'x' }, attrs: {}, parents: [] }],
    });
    expect(badEntity).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
  });

  it('refuses numbers JSON cannot carry exactly, naming the path', () => {
    for (const tokens of [2 ** 53, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      const r = engine.evaluate({ ...request, context: { ...request.context, tokens } });
      expect(r).toMatchObject({
        ok: false,
        error: { code: 'POLICY_REQUEST_INVALID', details: { path: 'context.tokens' } },
      });
    }
  });

  it('refuses absurdly nested values before they reach Cedar', () => {
    let deep: unknown = 1;
    for (let i = 0; i < 10_000; i++) deep = [deep];
    const r = engine.evaluate({ ...request, context: { ...request.context, purpose: deep as string } });
    expect(r).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    expect(engine.evaluate(request).ok).toBe(true);
  });
});
