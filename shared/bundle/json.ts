import { BundleFatal } from './tar';

export type StrictJson = { ok: true; value: unknown } | { ok: false; error: BundleFatal };

/**
 * Strict JSON for bundle members (RFC 8259 plus our limits): valid UTF-8 (no BOM), nesting at
 * most `maxDepth`, no duplicate object keys (JSON.parse silently keeps the last one, so two
 * verifiers could read two different manifests), and every number an integer below 2^53 (a
 * larger one cannot be read back exactly). A pre-scan checks depth and keys before JSON.parse
 * ever sees the text, so hostile nesting cannot exhaust the stack.
 */
export function parseStrictJson(bytes: Uint8Array, member: string, maxDepth = 32): StrictJson {
  const fail = (code: ConstructorParameters<typeof BundleFatal>[0], message: string, extra: Record<string, number> = {}): StrictJson => ({
    ok: false,
    error: new BundleFatal(code, `${member}: ${message}`, { member, ...extra }),
  });
  let text: string;
  try {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) return fail('BUNDLE_UTF8_INVALID', 'starts with a byte order mark', { offset: 0 });
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    return fail('BUNDLE_UTF8_INVALID', 'is not valid UTF-8');
  }
  // Pre-scan: depth and duplicate keys.
  const stack: (Set<string> | null)[] = [];
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x22) {
      // A string: find its end, honouring escapes.
      let j = i + 1;
      while (j < text.length && text.charCodeAt(j) !== 0x22) j += text.charCodeAt(j) === 0x5c ? 2 : 1;
      if (j >= text.length) return fail('BUNDLE_JSON_INVALID', 'an unterminated string', { offset: i });
      const top = stack[stack.length - 1];
      if (expectKey && top) {
        let key: string;
        try {
          key = JSON.parse(text.slice(i, j + 1)) as string;
        } catch {
          return fail('BUNDLE_JSON_INVALID', 'an invalid string', { offset: i });
        }
        if (top.has(key)) return fail('BUNDLE_JSON_INVALID', `the key ${JSON.stringify(key.slice(0, 40))} appears twice in one object`, { offset: i });
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > maxDepth) return { ok: false, error: new BundleFatal('BUNDLE_JSON_TOO_DEEP', `${member}: nested more than ${maxDepth} levels`, { member, offset: i }) };
      expectKey = c === 0x7b;
    } else if (c === 0x7d || c === 0x5d) {
      stack.pop();
      expectKey = false;
    } else if (c === 0x2c) {
      expectKey = stack[stack.length - 1] instanceof Set;
    }
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    return fail('BUNDLE_JSON_INVALID', `is not valid JSON (${(e as Error).message.slice(0, 120)})`);
  }
  const bad = badNumber(value, '');
  if (bad !== undefined) return { ok: false, error: new BundleFatal('BUNDLE_NUMBER_TOO_LARGE', `${member}: ${bad || '(root)'} is not an integer below 2^53`, { member, path: bad || '(root)' }) };
  return { ok: true, value };
}

function badNumber(v: unknown, path: string): string | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) ? undefined : path;
  if (v === null || typeof v !== 'object') return undefined;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const b = badNumber(v[i], `${path}[${i}]`);
      if (b !== undefined) return b;
    }
    return undefined;
  }
  for (const [k, x] of Object.entries(v)) {
    const b = badNumber(x, path ? `${path}.${k}` : k);
    if (b !== undefined) return b;
  }
  return undefined;
}
