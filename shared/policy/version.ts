import { blake3 } from '@noble/hashes/blake3.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { bytesToHex, utf8ToBytes } from '@noble/hashes/utils.js';
import canonicalize from 'canonicalize';
import type { PolicyVersion } from './policy-set';

/**
 * The identity of a policy version (docs/policy-versions.md): SHA-256 and BLAKE3 over one
 * preimage that binds the canonical policy text, the schema text and the tests, length-prefixed so
 * that no byte can move from one part to another:
 *
 *   "arx-policy-version/1\n"
 *   "policies " LEN "\n" <canonical policy text, UTF-8> "\n"
 *   "schema "   LEN "\n" <canonical schema text, UTF-8> "\n"
 *   "tests "    LEN "\n" <RFC 8785 (JCS) JSON of the tests array, UTF-8> "\n"
 *
 * LEN is the byte length in ASCII decimal. Canonical text: a leading U+FEFF removed, CRLF and lone
 * CR turned into LF, nothing else (the text is what the author wrote and signed). Decisions record
 * this digest (com.arx.policy.decided policyVersion), so a decision names the exact version row.
 */
export const POLICY_VERSION_FORMAT = 'arx-policy-version/1';

export interface PolicyVersionInput {
  policies: string;
  schema: string;
  /** The version's tests as JSON values (PolicyTestSchema); [] when none. */
  tests: readonly unknown[];
}

/** The canonical form of a policy or schema text: no BOM, LF line ends. */
export function canonicalText(text: string): string {
  return (text.charCodeAt(0) === 0xfeff ? text.slice(1) : text).replace(/\r\n?/g, '\n');
}

/** RFC 8785 JSON of the tests (keys sorted by UTF-16 code units, ES number form). */
export function canonicalTests(tests: readonly unknown[]): string {
  // Through JSON first: undefined members vanish exactly as they do in storage (jsonb) and on the wire.
  const out = canonicalize(JSON.parse(JSON.stringify(tests)) as unknown);
  if (out === undefined) throw new TypeError('tests are not JSON');
  return out;
}

export function policyVersionPreimage(input: PolicyVersionInput): Uint8Array {
  const parts: [string, Uint8Array][] = [
    ['policies', utf8ToBytes(canonicalText(input.policies))],
    ['schema', utf8ToBytes(canonicalText(input.schema))],
    ['tests', utf8ToBytes(canonicalTests(input.tests))],
  ];
  const chunks: Uint8Array[] = [utf8ToBytes(`${POLICY_VERSION_FORMAT}\n`)];
  for (const [name, bytes] of parts) chunks.push(utf8ToBytes(`${name} ${bytes.length}\n`), bytes, utf8ToBytes('\n'));
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

/** The version digest (sha256 and blake3, lowercase hex) of a policy text with its schema and tests. */
export function policyVersionDigest(input: PolicyVersionInput): PolicyVersion {
  const pre = policyVersionPreimage(input);
  return { sha256: bytesToHex(sha256(pre)), blake3: bytesToHex(blake3(pre)) };
}
