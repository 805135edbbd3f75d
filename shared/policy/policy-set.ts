import { blake3 } from '@noble/hashes/blake3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import type { CedarBindings, DetailedError } from './cedar';
import type { PolicyDiagnostic, PolicyErrorCode } from './errors';
import { createByteLocator, type ByteLocator } from './locations';

/**
 * Splits a policy text (one policy version, as authored and signed) into policies keyed by their
 * @id annotation. Cedar names policies parsed from text "policy0", "policy1", … by position, so
 * those names change whenever a policy is inserted above; ours do not, which keeps determining
 * policy ids comparable across versions and across re-evaluation.
 */

/** An @id is recorded in every decision and sorted: ASCII only, so the order is the same everywhere. */
export const POLICY_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

export interface PolicyVersion {
  /** Lowercase hex of SHA-256 and BLAKE3 over the UTF-8 bytes of the policy text, exactly as given. */
  sha256: string;
  blake3: string;
}

export function policyVersionOf(text: string): PolicyVersion {
  const bytes = utf8ToBytes(text);
  return { sha256: bytesToHex(sha256(bytes)), blake3: bytesToHex(blake3(bytes)) };
}

export interface SourcePolicy {
  /** Our id, from @id("…"). */
  id: string;
  /** The name Cedar gives it when the whole text is parsed at once ("policyK", K = position). */
  cedarName: string;
  /** The policy's own text, a substring of the policy text. */
  text: string;
  /** UTF-16 offset of `text` in the policy text. */
  start: number;
}

export interface SplitPolicySet {
  /** In text order. Empty when there are errors. */
  policies: SourcePolicy[];
  errors: PolicyDiagnostic[];
  /** Locates Cedar's byte offsets in the policy text. */
  locator: ByteLocator;
}

/** Turns a Cedar error into diagnostics located in `text` (its first source label). */
export function diagnosticFromCedar(
  code: PolicyErrorCode,
  error: DetailedError,
  locator: ByteLocator | undefined,
  source: PolicyDiagnostic['source'],
): PolicyDiagnostic {
  const d: PolicyDiagnostic = { code, message: error.message };
  if (error.help) d.help = error.help;
  const label = error.sourceLocations?.[0];
  // Cedar's label says what was expected there ("expected `@` or identifier").
  if (label?.label) d.message = `${d.message}: ${label.label}`;
  if (label && locator) {
    d.source = source;
    d.location = locator.locate(label.start, label.end);
  }
  return d;
}

/** Templates are refused: each one is a diagnostic at its place in the text. */
function templateErrors(templates: readonly string[], text: string, locator: ByteLocator): PolicyDiagnostic[] {
  return templates.map((t) => {
    const d: PolicyDiagnostic = {
      code: 'POLICY_TEMPLATE_UNSUPPORTED',
      message: 'templates (policies with ?principal or ?resource slots) are not supported in a gateway policy version',
    };
    const at = text.indexOf(t);
    if (at >= 0) d.location = locator.locateText(at, at + t.length);
    return d;
  });
}

/** What is wrong with a policy's @id (missing, malformed, already used), or null. */
function policyIdError(
  id: string | undefined,
  k: number,
  location: PolicyDiagnostic['location'],
  policies: readonly SourcePolicy[],
  seen: ReadonlyMap<string, number>,
  locator: ByteLocator,
): PolicyDiagnostic | null {
  if (id === undefined)
    return {
      code: 'POLICY_ID_MISSING',
      message: `policy ${k + 1} has no @id("…") annotation`,
      source: 'policies',
      location,
    };
  if (!POLICY_ID_PATTERN.test(id))
    return {
      code: 'POLICY_ID_INVALID',
      message: `@id(${JSON.stringify(id)}) must be 1 to 128 characters from A-Z a-z 0-9 . _ : -`,
      source: 'policies',
      location,
    };
  const earlier = seen.get(id);
  if (earlier === undefined) return null;
  const first = policies[earlier]!;
  const at = locator.locateText(first.start, first.start + 1);
  return {
    code: 'POLICY_ID_DUPLICATE',
    message: `@id(${JSON.stringify(id)}) is already used by the policy at line ${at.line}`,
    policyId: id,
    source: 'policies',
    location,
  };
}

export function splitPolicySet(cedar: CedarBindings, text: string): SplitPolicySet {
  const locator = createByteLocator(text);
  const fail = (errors: PolicyDiagnostic[]): SplitPolicySet => ({ policies: [], errors, locator });

  const parts = cedar.policySetTextToParts(text);
  if (parts.type === 'failure') {
    return fail(parts.errors.map((e) => diagnosticFromCedar('POLICY_PARSE_ERROR', e, locator, 'policies')));
  }
  if (parts.policy_templates.length > 0) {
    return fail(templateErrors(parts.policy_templates, text, locator));
  }

  // policySetTextToParts returns the policies in the order of Cedar's names, which sort as strings
  // (policy0, policy1, policy10, policy2, …); undo that, then check it against their order in the text.
  const n = parts.policies.length;
  const names = Array.from({ length: n }, (_, k) => `policy${k}`).sort();
  const byName = new Map(names.map((name, j) => [name, parts.policies[j]!]));
  const policies: SourcePolicy[] = [];
  const errors: PolicyDiagnostic[] = [];
  const seen = new Map<string, number>();
  let cursor = 0;
  for (let k = 0; k < n; k++) {
    const cedarName = `policy${k}`;
    const policyText = byName.get(cedarName)!;
    const start = text.indexOf(policyText, cursor);
    if (start < 0) {
      return fail([
        {
          code: 'POLICY_ENGINE_ERROR',
          message: `could not find ${cedarName} in the policy text (Cedar changed how it names policies?)`,
        },
      ]);
    }
    cursor = start + policyText.length;
    const location = locator.locateText(start, cursor);
    const json = cedar.policyToJson(policyText);
    if (json.type === 'failure') {
      errors.push(
        ...json.errors.map((e) => ({
          ...diagnosticFromCedar('POLICY_PARSE_ERROR', e, undefined, 'policies'),
          location,
        })),
      );
      continue;
    }
    const id = json.json.annotations?.['id'];
    const idError = policyIdError(id, k, location, policies, seen, locator);
    if (idError) {
      errors.push(idError);
      continue;
    }
    seen.set(id!, policies.length);
    policies.push({ id: id!, cedarName, text: policyText, start });
  }
  return errors.length > 0 ? fail(errors) : { policies, errors: [], locator };
}
