import type { CedarBindings } from './cedar';
import {
  decisionFromAnswer,
  type CedarEntity,
  type CedarValue,
  type EntityUid,
  type PolicyEvaluationError,
} from './engine';
import { policyOk, type PolicyResult } from './errors';
import { toCedarRequest, type GatewayDirectory, type GatewayRequest } from './gateway-request';
import { GATEWAY_SCHEMA } from './schema';
import { validateAndSplit } from './validate';

/**
 * Policy tests: each draft carries named requests with the decision they must
 * reach and, optionally, the exact policies that must determine it. The editor runs them on every
 * change; a version with a failing test, or a test whose evaluation reports errors, cannot be
 * submitted. The stored shape is the lifecycle's (PolicyTestSchema in
 * shared/contract/domains/policy-lifecycle.ts): a self-contained Cedar request, entities included,
 * so a test means the same thing whatever the directory says later. `testFromGatewayRequest` builds
 * one from a gateway request and a directory, which is how the editor offers to add one.
 */

export interface PolicyTestInput {
  name: string;
  request: {
    principal: EntityUid;
    action: EntityUid;
    resource: EntityUid;
    context: Record<string, unknown>;
    entities: { uid: EntityUid; attrs: Record<string, unknown>; parents: EntityUid[] }[];
  };
  expect: { decision: 'permit' | 'deny'; determiningPolicies?: string[] | undefined };
}

/** A test from a gateway request (what an officer thinks in), resolved once against the directory. */
export function testFromGatewayRequest(
  name: string,
  request: Omit<GatewayRequest, 'requestId'>,
  directory: GatewayDirectory,
  expect: PolicyTestInput['expect'],
): PolicyResult<PolicyTestInput> {
  const r = toCedarRequest({ requestId: `test:${name}`, ...request }, directory);
  if (!r.ok) return r;
  const { principal, action, resource, context, entities } = r.value;
  return policyOk({ name, request: { principal, action, resource, context, entities }, expect: { ...expect } });
}

export type PolicyTestStatus = 'pass' | 'fail' | 'error';

export interface PolicyTestResult {
  name: string;
  status: PolicyTestStatus;
  /** What Cedar decided; null when the test could not be evaluated. */
  decision: 'permit' | 'deny' | null;
  determiningPolicies: string[];
  /** Policies that failed to evaluate for this request (an `error` even if the decision matched). */
  evaluationErrors: PolicyEvaluationError[];
  /** One sentence: why it failed or errored; empty on pass. */
  message: string;
}

export interface PolicyTestRun {
  /** False when the policy text has validation errors: no test was evaluated (every result is `error`). */
  evaluated: boolean;
  results: PolicyTestResult[];
  passed: number;
  failed: number;
  errored: number;
}

const sorted = (xs: readonly string[]): string[] => [...xs].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));

/**
 * Cedar's cache slots for the tests. The editor runs the tests on every change; preparsed sets are
 * never freed (README "Known limits"), so the set is always parsed into this one slot, replacing
 * the previous text, instead of one slot per text as the engine does. Plain isAuthorized would
 * parse the whole set and the schema again for every test (20 tests on 200 policies: seconds).
 * The slot is filled and used within one synchronous call, so runs cannot interleave.
 */
const TEST_POLICY_SLOT = 'arx/editor/tests';
const TEST_SCHEMA_SLOT = 'arx/editor/tests-schema';

/** Runs the tests against a policy text. Never throws. */
export function runPolicyTests(cedar: CedarBindings, text: string, tests: readonly PolicyTestInput[]): PolicyTestRun {
  const { report, split } = validateAndSplit(cedar, text, GATEWAY_SCHEMA);
  if (!report.ok || !split) {
    const n = report.errors.length;
    return tally(
      false,
      tests.map((t) => errored(t.name, `not run: the policy text has ${n} validation error${n === 1 ? '' : 's'}`)),
    );
  }
  // No prototype: @id("__proto__") is a valid id and must be a key (as in engine.ts).
  const staticPolicies = Object.create(null) as Record<string, string>;
  for (const p of split.policies) staticPolicies[p.id] = p.text;

  try {
    const schemaAnswer = cedar.preparseSchema(TEST_SCHEMA_SLOT, GATEWAY_SCHEMA);
    const setAnswer = cedar.preparsePolicySet(TEST_POLICY_SLOT, { staticPolicies });
    const failed = schemaAnswer.type === 'failure' ? schemaAnswer : setAnswer.type === 'failure' ? setAnswer : null;
    if (failed)
      return tally(
        false,
        tests.map((t) => errored(t.name, `not run: ${failed.errors.map((e) => e.message).join('; ')}`)),
      );
  } catch (e) {
    return tally(
      false,
      tests.map((t) => errored(t.name, `not run: Cedar failed while compiling: ${String(e)}`)),
    );
  }
  const seen = new Set<string>();
  const results = tests.map((t): PolicyTestResult => {
    if (seen.has(t.name)) return errored(t.name, `another test is already named ${JSON.stringify(t.name)}`);
    seen.add(t.name);
    let decided;
    try {
      decided = decisionFromAnswer(
        cedar.statefulIsAuthorized({
          principal: t.request.principal,
          action: t.request.action,
          resource: t.request.resource,
          context: t.request.context as Record<string, CedarValue>,
          entities: t.request.entities as CedarEntity[],
          preparsedPolicySetId: TEST_POLICY_SLOT,
          preparsedSchemaName: TEST_SCHEMA_SLOT,
          validateRequest: true,
        }),
      );
    } catch (e) {
      return errored(t.name, `Cedar failed while deciding: ${String(e)}`);
    }
    if (!decided.ok) return errored(t.name, decided.error.message);
    const d = decided.value;
    const base = {
      name: t.name,
      decision: d.decision,
      determiningPolicies: d.determiningPolicies,
      evaluationErrors: d.errors,
    };
    if (d.errors.length > 0) {
      const ids = d.errors.map((e) => e.policyId).join(', ');
      return { ...base, status: 'error', message: `evaluation errors in ${ids}: ${d.errors[0]!.message}` };
    }
    const problems: string[] = [];
    if (d.decision !== t.expect.decision) problems.push(`expected ${t.expect.decision}, got ${d.decision}`);
    const want = t.expect.determiningPolicies;
    if (want !== undefined) {
      const w = sorted([...new Set(want)]);
      if (w.join('\n') !== d.determiningPolicies.join('\n')) {
        problems.push(`expected determining policies [${w.join(', ')}], got [${d.determiningPolicies.join(', ')}]`);
      }
    }
    return { ...base, status: problems.length ? 'fail' : 'pass', message: problems.join('; ') };
  });
  return tally(true, results);
}

function errored(name: string, message: string): PolicyTestResult {
  return { name, status: 'error', decision: null, determiningPolicies: [], evaluationErrors: [], message };
}

function tally(evaluated: boolean, results: PolicyTestResult[]): PolicyTestRun {
  const count = (s: PolicyTestStatus) => results.filter((r) => r.status === s).length;
  return { evaluated, results, passed: count('pass'), failed: count('fail'), errored: count('error') };
}
