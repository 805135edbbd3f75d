// Editor feedback for a large policy set (goal: validation under 100 ms after a keystroke,
// median). What the editor waits for after a keystroke is policy.validate in main: the request
// through the contract's schema, Cedar parse + strict validation of the whole text, diagnostics in
// editor positions, the response through its schema. The tests run (policy.test) is measured too.
// Not a test: figures depend on the machine. Run: npm run bench -- policy-authoring
import { cpus, loadavg } from 'node:os';
import { performance } from 'node:perf_hooks';
import { commands } from '../../shared/contract';
import type { DomainDeps } from '../../electron/main/handlers/domain-deps';
import { createPolicyAuthoringHandlers } from '../../electron/main/policy/authoring-handlers';
import { DEFAULT_POLICIES, DEMO_DIRECTORY } from '../../shared/policy';
import { testFromGatewayRequest } from '../../shared/policy/policy-tests';
import { POLICY_TEMPLATE_LIBRARY } from '../../shared/policy/template-library';

const handlers = createPolicyAuthoringHandlers({} as DomainDeps);

async function callValidate(text: string) {
  const req = commands['policy.validate'].request.parse({ text });
  return commands['policy.validate'].response.parse(await handlers['policy.validate'](req, undefined as never));
}
async function callTest(text: string, tests: unknown[]) {
  const req = commands['policy.test'].request.parse({ text, tests });
  return commands['policy.test'].response.parse(await handlers['policy.test'](req, undefined as never));
}

/** 200 policies: the defaults and the template library repeated with distinct @ids, ~ a large tenant's set. */
function policySet(n: number): string {
  const bodies = [
    ...DEFAULT_POLICIES.map((p) => ({ id: p.id, text: p.text })),
    ...POLICY_TEMPLATE_LIBRARY.map((t) => ({ id: t.policyId, text: t.text })),
  ];
  const out: string[] = [];
  for (let i = 0; i < n; i++) {
    const b = bodies[i % bodies.length]!;
    out.push(b.text.replace(`@id("${b.id}")`, `@id("${b.id}.${i}")`));
  }
  return `${out.join('\n\n')}\n`;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

const N = 200;
const text = policySet(N);
console.log(
  `policy set: ${N} policies, ${text.length.toLocaleString()} characters; load average ${loadavg()[0]!.toFixed(1)} on ${cpus().length} cores (figures scale with it)`,
);

// Warm up Cedar's WASM and the JIT.
for (let i = 0; i < 3; i++) await callValidate(text);

// A keystroke: one character typed somewhere in the text (alternating valid and invalid states).
const samples: number[] = [];
const typoSamples: number[] = [];
for (let i = 0; i < 31; i++) {
  const at = text.indexOf('context.', (i * 997) % (text.length - 100));
  const typed = `${text.slice(0, at)}context.${i % 2 ? 'x' : ''}${text.slice(at + 'context.'.length)}`;
  const t0 = performance.now();
  const r = await callValidate(typed);
  const ms = performance.now() - t0;
  (r.ok ? samples : typoSamples).push(ms);
}
const all = [...samples, ...typoSamples];
console.log(
  `policy.validate after a keystroke (valid text)       median ${median(samples).toFixed(1)} ms  (n=${samples.length}, max ${Math.max(...samples).toFixed(1)} ms)`,
);
console.log(
  `policy.validate after a keystroke (with an error)    median ${median(typoSamples).toFixed(1)} ms  (n=${typoSamples.length}, max ${Math.max(...typoSamples).toFixed(1)} ms)`,
);
console.log(`goal: under 100 ms median; ratio goal/median = ${(100 / median(all)).toFixed(2)}x`);

const weekday = {
  user: 'bob',
  team: 'operations',
  provider: 'anthropic' as const,
  model: 'claude-sonnet-4',
  classification: 'cui' as const,
  jurisdiction: 'US',
  purpose: 'bench',
  promptTokens: 1200,
  estimatedCostCents: 40,
  time: '2025-03-04T14:15:00Z',
  utcOffsetMinutes: -300,
};
const tests = Array.from({ length: 20 }, (_, i) => {
  const t = testFromGatewayRequest(`t${i}`, { ...weekday, estimatedCostCents: i * 50 }, DEMO_DIRECTORY, {
    decision: 'deny',
  });
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
});
const testSamples: number[] = [];
for (let i = 0; i < 11; i++) {
  const t0 = performance.now();
  await callTest(text, tests);
  testSamples.push(performance.now() - t0);
}
console.log(
  `policy.test, 20 tests on the ${N}-policy set            median ${median(testSamples).toFixed(1)} ms  (n=${testSamples.length})`,
);
