import * as cedar from './cedar-node';
import { ArxFailure } from '../../../shared/contract';
import type { policyAuthoringCommands } from '../../../shared/contract/domains/policy-authoring';
import { validatePolicies } from '../../../shared/policy';
import { memoizedBindings } from '../../../shared/policy/editor-validation';
import { editorDiagnostics, toEditorDiagnostic } from '../../../shared/policy/editor-diagnostics';
import { formatPolicyText } from '../../../shared/policy/format';
import { runPolicyTests } from '../../../shared/policy/policy-tests';
import { POLICY_TEMPLATE_LIBRARY } from '../../../shared/policy/template-library';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';

/**
 * Handlers for the commands in shared/contract/domains/policy-authoring.ts. Cedar runs here, in
 * main (the Node build reads its .wasm with fs), so the renderer's CSP stays without
 * 'wasm-unsafe-eval'. Stateless: nothing is stored.
 */
export function createPolicyAuthoringHandlers(deps: DomainDeps): DomainHandlers<typeof policyAuthoringCommands> {
  void deps;
  const cedarVersion = cedar.getCedarVersion();
  // Validation runs on every keystroke: per-policy conversions and the schema check are memoized.
  const editorCedar = memoizedBindings(cedar);
  return {
    'policy.validate': ({ text }) => {
      const report = validatePolicies(editorCedar, text);
      return {
        ok: report.ok,
        policyIds: report.policyIds,
        diagnostics: editorDiagnostics(report),
        errorCount: report.errors.length,
        warningCount: report.warnings.length,
        cedarVersion,
      };
    },
    'policy.format': ({ text }) => {
      const r = formatPolicyText(cedar, text);
      if (!r.ok) {
        const diagnostics = r.diagnostics.map((d) => toEditorDiagnostic(d, 'error'));
        const first = diagnostics[0];
        const at = first?.range ? ` at line ${first.range.line}, column ${first.range.column}` : '';
        throw new ArxFailure(
          'POLICY_FORMAT_UNPARSABLE',
          `The policy text does not parse${at}; fix it before formatting: ${first?.message ?? 'no reason given'}`,
          {
            diagnostics,
            ...(first?.range ? { line: first.range.line, column: first.range.column } : {}),
          },
        );
      }
      return { text: r.text, changed: r.changed };
    },
    'policy.templates': () => POLICY_TEMPLATE_LIBRARY.map((t) => ({ ...t })),
    'policy.test': ({ text, tests }) => runPolicyTests(editorCedar, text, tests),
  };
}
