import type * as CedarWasm from '@cedar-policy/cedar-wasm/web';
import type { PolicyDiagnostic } from './errors';
import { createByteLocator } from './locations';
import { diagnosticFromCedar } from './policy-set';

/** Cedar's formatter, on top of the bindings the engine uses (every cedar-wasm build has it). */
export type CedarFormatter = Pick<typeof CedarWasm, 'formatPolicies'>;

/** Line width and indent of the console's formatting; fixed, so that every officer gets the same text. */
export const FORMAT_LINE_WIDTH = 100;
export const FORMAT_INDENT_WIDTH = 2;

export type FormatOutcome =
  { ok: true; text: string; changed: boolean } | { ok: false; diagnostics: PolicyDiagnostic[] };

/**
 * Formats a policy text with Cedar's own formatter (comments kept). Text that does not parse is
 * not formatted: the parse errors come back located, like validation's. Never throws.
 */
export function formatPolicyText(cedar: CedarFormatter, text: string): FormatOutcome {
  try {
    const answer = cedar.formatPolicies({
      policyText: text,
      lineWidth: FORMAT_LINE_WIDTH,
      indentWidth: FORMAT_INDENT_WIDTH,
    });
    if (answer.type === 'failure') {
      const locator = createByteLocator(text);
      return {
        ok: false,
        diagnostics: answer.errors.map((e) => diagnosticFromCedar('POLICY_PARSE_ERROR', e, locator, 'policies')),
      };
    }
    return { ok: true, text: answer.formatted_policy, changed: answer.formatted_policy !== text };
  } catch (e) {
    return {
      ok: false,
      diagnostics: [{ code: 'POLICY_ENGINE_ERROR', message: `Cedar failed while formatting: ${String(e)}` }],
    };
  }
}
