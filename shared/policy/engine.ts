import type { AuthorizationAnswer, CedarBindings } from './cedar';
import { policyFail, policyOk, type PolicyDiagnostic, type PolicyResult } from './errors';
import { policyVersionOf, splitPolicySet, type PolicyVersion, type SplitPolicySet } from './policy-set';
import { GATEWAY_SCHEMA } from './schema';
import { validateAndSplit } from './validate';
import { policyVersionDigest } from './version';

/** A Cedar entity reference, in the plain form the decision event records. */
export interface EntityUid {
  type: string;
  id: string;
}

/** A Cedar value as JSON (entity references as { "__entity": { type, id } }). Cedar Longs must be safe integers here. */
export type CedarValue = null | boolean | number | string | CedarValue[] | { [key: string]: CedarValue };

/** A Cedar entity as JSON; the shape of `entities[]` in com.arx.policy.decided. */
export interface CedarEntity {
  uid: EntityUid;
  attrs: Record<string, CedarValue>;
  parents: EntityUid[];
}

/** Everything Cedar needs to decide; recorded with the decision so that it can be decided again. */
export interface CedarRequest {
  principal: EntityUid;
  action: EntityUid;
  resource: EntityUid;
  context: Record<string, CedarValue>;
  entities: CedarEntity[];
}

export interface PolicyEvaluationError {
  policyId: string;
  message: string;
}

export interface PolicyDecision {
  decision: 'permit' | 'deny';
  /** Our ids of the policies that determined the decision, sorted (JS string order; ids are ASCII). */
  determiningPolicies: string[];
  /** Policies that failed to evaluate, sorted by id. Cedar skips them, so they took no part in the decision. */
  errors: PolicyEvaluationError[];
  /** True whenever `errors` is not empty: such a decision is never reported as clean. */
  flagged: boolean;
}

export interface PolicyEngine {
  /**
   * The policy version this engine was compiled from: the digest over the canonical policy text,
   * the schema and the tests (version.ts). Decisions record it.
   */
  readonly version: PolicyVersion;
  /** Our ids, in text order. */
  readonly policyIds: readonly string[];
  /** Validation warnings found when compiling (empty when compiled with validate: false). */
  readonly warnings: readonly PolicyDiagnostic[];
  /** Decides one request against the compiled policies. Never throws. */
  evaluate(request: CedarRequest): PolicyResult<PolicyDecision>;
}

export interface CompileOptions {
  /** Cedar schema text; default: the gateway schema. Requests are checked against it on every evaluation. */
  schema?: string;
  /**
   * Strict validation before compiling (default true). Turn it off only to replay a version that
   * was accepted under an older schema, or in tests that need a policy which errors at run time.
   */
  validate?: boolean;
  /** The version's tests (they do not change decisions, but they are part of the version digest); default []. */
  tests?: readonly unknown[];
}

/**
 * Compiles a policy text once: parse, key every policy by its @id, strictly validate against the
 * schema, and hand the set to Cedar's preparsed-policy-set cache. Evaluations then reuse the parsed
 * set (statefulIsAuthorized) instead of parsing the text on every call as isAuthorized does.
 */
export function compilePolicySet(
  cedar: CedarBindings,
  text: string,
  options: CompileOptions = {},
): PolicyResult<PolicyEngine> {
  const schema = options.schema ?? GATEWAY_SCHEMA;
  try {
    let warnings: PolicyDiagnostic[] = [];
    let split: SplitPolicySet;
    if (options.validate !== false) {
      const checked = validateAndSplit(cedar, text, schema);
      if (!checked.report.ok || !checked.split) {
        const errors = checked.report.errors;
        return policyFail(errors[0]?.code ?? 'POLICY_ENGINE_ERROR', summarise(errors), { diagnostics: errors });
      }
      warnings = checked.report.warnings;
      split = checked.split;
    } else {
      split = splitPolicySet(cedar, text);
      if (split.errors.length > 0)
        return policyFail(split.errors[0]!.code, summarise(split.errors), { diagnostics: split.errors });
    }

    const version = policyVersionDigest({ policies: text, schema, tests: options.tests ?? [] });
    // Names in the WASM instance's cache: content-addressed by the text, so compiling the same text
    // again (whatever its tests) replaces an entry with an identical one instead of adding another.
    const policySetName = `arx/policies/${policyVersionOf(text).sha256}`;
    const schemaName = `arx/schema/${policyVersionOf(schema).sha256}`;
    const schemaAnswer = cedar.preparseSchema(schemaName, schema);
    if (schemaAnswer.type === 'failure') {
      return policyFail('POLICY_SCHEMA_ERROR', schemaAnswer.errors.map((e) => e.message).join('; '));
    }
    // No prototype: @id("__proto__") is a valid id and must become a key, not a prototype change.
    const staticPolicies = Object.create(null) as Record<string, string>;
    for (const p of split.policies) staticPolicies[p.id] = p.text;
    const setAnswer = cedar.preparsePolicySet(policySetName, { staticPolicies });
    if (setAnswer.type === 'failure') {
      return policyFail('POLICY_PARSE_ERROR', setAnswer.errors.map((e) => e.message).join('; '));
    }

    const policyIds = Object.freeze(split.policies.map((p) => p.id));
    return policyOk({
      version,
      policyIds,
      warnings: Object.freeze(warnings),
      evaluate(request) {
        const problem =
          checkJsonLongs(request.context, 'context', 0) ?? checkJsonLongs(request.entities, 'entities', 0);
        if (problem !== undefined) return policyFail('POLICY_REQUEST_INVALID', problem.message, { path: problem.path });
        let answer: AuthorizationAnswer;
        try {
          // Under Node 20 (V8 11.3) this call aborts the process if TurboFan inlined it and this
          // function is deoptimized while Cedar runs (it is: Cedar's JSON.parse of its answer can
          // invalidate this code's map dependencies). Node callers pass the bindings of
          // electron/main/policy/cedar-node.ts, which turns that inlining off; see there.
          answer = cedar.statefulIsAuthorized({
            principal: request.principal,
            action: request.action,
            resource: request.resource,
            context: request.context,
            entities: request.entities,
            preparsedPolicySetId: policySetName,
            preparsedSchemaName: schemaName,
            validateRequest: true,
          });
        } catch (e) {
          // cedar-wasm throws (rather than answers) when the call itself does not deserialize, e.g. a
          // request without a context; a trap inside the WASM is a RuntimeError, and our problem.
          if (e instanceof WebAssembly.RuntimeError)
            return policyFail('POLICY_ENGINE_ERROR', `Cedar failed while deciding: ${String(e)}`);
          return policyFail('POLICY_REQUEST_INVALID', e instanceof Error ? e.message : String(e));
        }
        return decisionFromAnswer(answer);
      },
    });
  } catch (e) {
    return policyFail('POLICY_ENGINE_ERROR', `Cedar failed while compiling: ${String(e)}`);
  }
}

/** Turns Cedar's answer into our decision (also used by the benchmark's plain isAuthorized path). */
export function decisionFromAnswer(answer: AuthorizationAnswer): PolicyResult<PolicyDecision> {
  if (answer.type === 'failure') {
    return policyFail('POLICY_REQUEST_INVALID', answer.errors.map((e) => e.message).join('; '), {
      cedarErrors: answer.errors.map((e) => e.message),
    });
  }
  const { decision, diagnostics } = answer.response;
  const errors = diagnostics.errors
    .map((e) => ({ policyId: e.policyId, message: e.error.message }))
    .sort((a, b) => compare(a.policyId, b.policyId) || compare(a.message, b.message));
  return policyOk({
    decision: decision === 'allow' ? 'permit' : 'deny',
    determiningPolicies: [...diagnostics.reason].sort(compare),
    errors,
    flagged: errors.length > 0,
  });
}

const compare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

function summarise(ds: readonly PolicyDiagnostic[]): string {
  const first = ds[0];
  if (!first) return 'the policy text was refused without a reason (bug)';
  const at = first.location ? ` (line ${first.location.line}, column ${first.location.column})` : '';
  const more = ds.length > 1 ? ` and ${ds.length - 1} more` : '';
  return `${first.message}${at}${more}`;
}

/** Deeper than any gateway request; deeper input is refused before it reaches Cedar's recursive parser. */
export const MAX_VALUE_DEPTH = 32;

/**
 * The first number that is not a safe integer, or nesting deeper than MAX_VALUE_DEPTH. Cedar has no
 * floats, and a Long beyond 2^53 does not survive the JSON of the audit event, so replay could
 * decide differently.
 */
function checkJsonLongs(value: unknown, path: string, depth: number): { path: string; message: string } | undefined {
  if (typeof value === 'number') {
    return Number.isSafeInteger(value)
      ? undefined
      : { path, message: `${path} is ${value}: Cedar Longs here must be safe integers (|n| < 2^53)` };
  }
  if (value === null || typeof value !== 'object') return undefined;
  if (depth >= MAX_VALUE_DEPTH) return { path, message: `${path} is nested more than ${MAX_VALUE_DEPTH} levels deep` };
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const found = checkJsonLongs(value[i], `${path}[${i}]`, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  for (const key of Object.keys(value)) {
    const found = checkJsonLongs((value as Record<string, unknown>)[key], `${path}.${key}`, depth + 1);
    if (found !== undefined) return found;
  }
  return undefined;
}
