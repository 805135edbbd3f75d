// Throughput of policy decisions: Cedar's preparsed policy set (what the engine uses) against
// plain isAuthorized, which parses the policy text and the schema on every call. Not a test:
// numbers depend on the machine. Run: npx tsx test/bench/policy.bench.ts
import * as cedar from '../../electron/main/policy/cedar-node';
import { performance } from 'node:perf_hooks';
import {
  compilePolicySet,
  decideGatewayRequest,
  decisionFromAnswer,
  DEFAULT_POLICIES,
  DEFAULT_POLICY_TEXT,
  DEMO_DIRECTORY,
  GATEWAY_SCHEMA,
  toCedarRequest,
  type CedarRequest,
  type GatewayRequest,
} from '../../shared/policy';

const MIN_MS = 1500;

function bench(name: string, run: (i: number) => unknown): number {
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < MIN_MS) {
    for (let k = 0; k < 100; k++) run(n++);
    elapsed = performance.now() - t0;
  }
  const perSecond = (n / elapsed) * 1000;
  console.log(
    `${name.padEnd(52)} ${Math.round(perSecond).toString().padStart(8)} decisions/s  (${((elapsed * 1000) / n).toFixed(1)} µs each)`,
  );
  return perSecond;
}

const users = ['alice', 'bob', 'carol', 'dave'] as const;
const teamOf = { alice: 'research', bob: 'operations', carol: 'research', dave: 'operations' } as const;
const models = Object.keys(DEMO_DIRECTORY.models).map((k) => k.split('/') as [GatewayRequest['provider'], string]);
const gatewayRequests: GatewayRequest[] = Array.from({ length: 64 }, (_, i) => {
  const user = users[i % users.length]!;
  const [provider, model] = models[i % models.length]!;
  return {
    requestId: `bench-${i}`,
    user,
    team: teamOf[user],
    provider,
    model,
    classification: (['public', 'internal', 'cui', 'secret'] as const)[i % 4]!,
    jurisdiction: i % 3 === 0 ? 'DE' : 'US',
    purpose: 'benchmark',
    promptTokens: 500 + i * 997,
    estimatedCostCents: (i * 37) % 2500,
    time: `2025-03-0${3 + (i % 6)}T${String(10 + (i % 12)).padStart(2, '0')}:00:00Z`,
    utcOffsetMinutes: -300,
    ...(i % 5 === 0 ? { breakGlass: { justification: 'Incident 4711: triage for the duty officer' } } : {}),
  };
});
const requests: CedarRequest[] = gatewayRequests.map((g) => {
  const r = toCedarRequest(g, DEMO_DIRECTORY);
  if (!r.ok) throw new Error(r.error.message);
  return r.value;
});

const t = performance.now();
const compiled = compilePolicySet(cedar, DEFAULT_POLICY_TEXT);
if (!compiled.ok) throw new Error(compiled.error.message);
const engine = compiled.value;
console.log(
  `Cedar ${cedar.getCedarVersion()}, ${DEFAULT_POLICIES.length} default policies, ${requests.length} distinct requests`,
);
console.log(`compile (parse, @id, strict validation, preparse): ${(performance.now() - t).toFixed(1)} ms`);

const staticPolicies = Object.fromEntries(DEFAULT_POLICIES.map((p) => [p.id, p.text]));
const plain = (r: CedarRequest) =>
  cedar.isAuthorized({ ...r, policies: { staticPolicies }, schema: GATEWAY_SCHEMA, validateRequest: true });

// Both paths must agree before their speed means anything.
let permits = 0;
for (const r of requests) {
  const a = engine.evaluate(r);
  const b = decisionFromAnswer(plain(r));
  if (!a.ok || !b.ok || JSON.stringify(a.value) !== JSON.stringify(b.value))
    throw new Error('preparsed and plain disagree');
  if (a.value.decision === 'permit') permits++;
}
console.log(`${permits} of ${requests.length} requests are permitted; both paths agree on every decision`);

// V8 compiles the 4 MB module with its baseline tier first and optimises hot functions later: let
// it settle on both paths before measuring, or whichever runs first looks slower than it is.
const settle = performance.now();
for (let i = 0; performance.now() - settle < 3000; i++) {
  engine.evaluate(requests[i % requests.length]!);
  if (i % 10 === 0) plain(requests[i % requests.length]!);
}

const preparsed = bench('preparsed (statefulIsAuthorized, engine.evaluate)', (i) =>
  engine.evaluate(requests[i % requests.length]!),
);
const reparsed = bench('plain isAuthorized (parses policies + schema)', (i) => plain(requests[i % requests.length]!));
bench('gateway request -> decision + event (decideGatewayRequest)', (i) =>
  decideGatewayRequest(engine, gatewayRequests[i % gatewayRequests.length]!, DEMO_DIRECTORY),
);
console.log(`preparsed / plain: ${(preparsed / reparsed).toFixed(1)}x`);
