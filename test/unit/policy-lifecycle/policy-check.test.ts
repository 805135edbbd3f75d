import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as cedar from '../../../electron/main/policy/cedar-node';
import { runCli } from '../../../electron/main/cli/arx';
import { DEFAULT_POLICIES, DEMO_DIRECTORY, GATEWAY_SCHEMA, policyVersionDigest } from '../../../shared/policy';
import { testFromGatewayRequest } from '../../../shared/policy/policy-tests';

/** `arx policy check PATH` on real directories: compiler-style lines and exit codes 0/1/2. */
async function check(dir: string) {
  const out: string[] = [];
  const err: string[] = [];
  const code = await runCli(['policy', 'check', dir], {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    readStdin: async () => '',
    env: { HOME: '/tmp' },
  });
  return { code, out, err };
}

function policyDir(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'arx-policy-check-'));
  for (const [name, body] of Object.entries(files)) {
    mkdirSync(join(root, name, '..'), { recursive: true });
    writeFileSync(join(root, name), body);
  }
  return root;
}

const request = {
  user: 'carol',
  team: 'research',
  provider: 'anthropic' as const,
  model: 'claude-sonnet-4',
  classification: 'internal' as const,
  jurisdiction: 'US',
  purpose: 'analysis',
  promptTokens: 1000,
  estimatedCostCents: 5,
  time: '2026-11-25T12:00:00Z',
  utcOffsetMinutes: 0,
};
const test = (decision: 'permit' | 'deny', name = 'carol may send internal data') => {
  const t = testFromGatewayRequest(name, request, DEMO_DIRECTORY, { decision });
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
};
const [permit, ceiling] = [DEFAULT_POLICIES[0]!.text, DEFAULT_POLICIES[1]!.text];

describe('arx policy check', () => {
  it('exit 0 for valid policies split over files with passing tests, and prints the version digest', async () => {
    const tests = [test('permit')];
    const dir = policyDir({
      'policies/10-permit.cedar': permit,
      'policies/20-ceiling.cedar': ceiling,
      'tests/basic.json': JSON.stringify(tests, null, 2),
    });
    const r = await check(dir);
    expect(r.err).toEqual([]);
    expect(r.code).toBe(0);
    const digest = policyVersionDigest({ policies: `${permit}\n${ceiling}\n`, schema: GATEWAY_SCHEMA, tests });
    expect(r.out.at(-1)).toBe(
      `OK: 0 error(s), 0 warning(s); tests 1 passed, 0 failed, 0 with errors; version sha256 ${digest.sha256}`,
    );
  });

  it('exit 1 with file:line:column CODE for a type error in the second file, after non-ASCII text', async () => {
    const bad = `// Prüfung für 東京 🚀\n@id("bad")\nforbid (principal, action, resource)\nwhen { context.classificationLevel > "high" };\n`;
    const dir = policyDir({ 'policies/10-permit.cedar': permit, 'policies/20-bad.cedar': bad });
    const r = await check(dir);
    expect(r.code).toBe(1);
    const line = r.out.find((l) => l.includes('POLICY_VALIDATION_ERROR'));
    expect(line).toBeDefined();
    // The error is in 20-bad.cedar at line 4 (the `when`), not at its line in the concatenation.
    expect(line).toMatch(/20-bad\.cedar:4:\d+: POLICY_VALIDATION_ERROR /);
    expect(r.out.at(-1)).toMatch(/^FAILED: 1 error/);
  });

  it('exit 1 for a failing test, naming the test file and the test', async () => {
    const dir = policyDir({
      'policies/p.cedar': permit,
      'tests/t.json': JSON.stringify([test('deny', 'wrongly expects deny')], null, 2),
    });
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(
      r.out.some((l) => /t\.json:\d+:1: POLICY_TEST_FAILED wrongly expects deny: expected deny, got permit/.test(l)),
    ).toBe(true);
  });

  it('exit 1 for a test that cannot be evaluated (its request does not conform to the schema)', async () => {
    const erroring = `@id("errs") forbid (principal, action, resource) when { principal.clearanceLevel > 1 };\n${permit}\n`;
    const t = test('permit', 'entity without attributes');
    const noAttrs = {
      ...t,
      request: {
        ...t.request,
        entities: t.request.entities.map((e) => (e.uid.type === 'Arx::User' ? { ...e, attrs: {} } : e)),
      },
    };
    const dir = policyDir({ 'policies/p.cedar': erroring, 'tests/t.json': JSON.stringify([noAttrs]) });
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.out.some((l) => /t\.json:1:1: POLICY_TEST_ERROR entity without attributes: /.test(l))).toBe(true);
  });

  it('exit 1 for a malformed test file, located', async () => {
    const dir = policyDir({ 'policies/p.cedar': permit, 'tests/t.json': '[\n  {"name": "x",\n' });
    const r = await check(dir);
    expect(r.code).toBe(1);
    expect(r.out.some((l) => /t\.json:\d+:\d+: POLICY_TEST_INVALID /.test(l))).toBe(true);
  });

  it('exit 2 for a directory that cannot be used', async () => {
    expect((await check('/nonexistent/arx-policies')).code).toBe(2);
    const empty = policyDir({ 'README.md': 'no policies here' });
    const r = await check(empty);
    expect(r.code).toBe(2);
    expect(r.err.join('\n')).toContain('no policies/*.cedar');
    void cedar;
  });
});
