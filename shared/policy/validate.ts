import type { CedarBindings, DetailedError } from './cedar';
import type { PolicyDiagnostic } from './errors';
import { createByteLocator } from './locations';
import { diagnosticFromCedar, splitPolicySet, type SourcePolicy, type SplitPolicySet } from './policy-set';
import { GATEWAY_SCHEMA } from './schema';

export interface PolicyValidationReport {
  /** True when there are no errors (warnings alone do not fail). */
  ok: boolean;
  /** Our ids, in text order (empty if the text does not parse). */
  policyIds: string[];
  errors: PolicyDiagnostic[];
  warnings: PolicyDiagnostic[];
}

/**
 * Parses and strictly validates a policy text against a schema (by default the gateway's), the way
 * the editor and the approval step need it: every finding has a stable code, our policy id where
 * there is one, and a location as character line/column and UTF-16 offsets into `text`.
 * Never throws: a failure inside Cedar is reported as POLICY_ENGINE_ERROR.
 */
export function validatePolicies(
  cedar: CedarBindings,
  text: string,
  schema: string = GATEWAY_SCHEMA,
): PolicyValidationReport {
  return validateAndSplit(cedar, text, schema).report;
}

/** validatePolicies, also returning the split text so that compilePolicySet does not split it twice. */
export function validateAndSplit(
  cedar: CedarBindings,
  text: string,
  schema: string,
): { report: PolicyValidationReport; split?: SplitPolicySet } {
  try {
    return validateUnguarded(cedar, text, schema);
  } catch (e) {
    return {
      report: report([], [{ code: 'POLICY_ENGINE_ERROR', message: `Cedar failed while validating: ${String(e)}` }], []),
    };
  }
}

function validateUnguarded(
  cedar: CedarBindings,
  text: string,
  schema: string,
): { report: PolicyValidationReport; split?: SplitPolicySet } {
  const schemaParsed = cedar.checkParseSchema(schema);
  if (schemaParsed.type === 'failure') {
    const locator = createByteLocator(schema);
    return {
      report: report(
        [],
        schemaParsed.errors.map((e) => diagnosticFromCedar('POLICY_SCHEMA_ERROR', e, locator, 'schema')),
        [],
      ),
    };
  }

  const split = splitPolicySet(cedar, text);
  if (split.errors.length > 0) return { report: report([], split.errors, []) };

  // Validate the text as a whole, so that Cedar's byte offsets point into `text` itself; its names
  // (policyK) are then mapped to our ids.
  const byCedarName = new Map<string, SourcePolicy>(split.policies.map((p) => [p.cedarName, p]));
  const answer = cedar.validate({ schema, policies: { staticPolicies: text }, validationSettings: { mode: 'strict' } });
  const ids = split.policies.map((p) => p.id);
  if (answer.type === 'failure') {
    return {
      report: report(
        ids,
        answer.errors.map((e) => diagnosticFromCedar('POLICY_VALIDATION_ERROR', e, split.locator, 'policies')),
        answer.warnings.map((e) => diagnosticFromCedar('POLICY_VALIDATION_WARNING', e, split.locator, 'policies')),
      ),
    };
  }
  const named = (code: PolicyDiagnostic['code']) => (v: { policyId: string; error: DetailedError }) => {
    const policy = byCedarName.get(v.policyId);
    const d = diagnosticFromCedar(code, v.error, split.locator, 'policies');
    if (policy) {
      d.policyId = policy.id;
      d.message = d.message.split(`\`${v.policyId}\``).join(`\`${policy.id}\``);
    }
    return d;
  };
  const r = report(ids, answer.validationErrors.map(named('POLICY_VALIDATION_ERROR')), [
    ...answer.validationWarnings.map(named('POLICY_VALIDATION_WARNING')),
    ...answer.otherWarnings.map((e) => diagnosticFromCedar('POLICY_VALIDATION_WARNING', e, split.locator, 'policies')),
  ]);
  return { report: r, split };
}

function report(policyIds: string[], errors: PolicyDiagnostic[], warnings: PolicyDiagnostic[]): PolicyValidationReport {
  return { ok: errors.length === 0, policyIds, errors: sortDiagnostics(errors), warnings: sortDiagnostics(warnings) };
}

/** Cedar reports validation findings in hash-map order; sort them by position so reports are stable. */
function sortDiagnostics(ds: PolicyDiagnostic[]): PolicyDiagnostic[] {
  const key = (d: PolicyDiagnostic) => d.location?.start ?? Number.MAX_SAFE_INTEGER;
  return [...ds].sort(
    (a, b) =>
      key(a) - key(b) ||
      (a.code < b.code ? -1 : a.code > b.code ? 1 : 0) ||
      (a.message < b.message ? -1 : a.message > b.message ? 1 : 0),
  );
}
