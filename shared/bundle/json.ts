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
  const fail = (
    code: ConstructorParameters<typeof BundleFatal>[0],
    message: string,
    extra: Record<string, number> = {},
  ): StrictJson => ({
    ok: false,
    error: new BundleFatal(code, `${member}: ${message}`, { member, ...extra }),
  });
  let text: string;
  try {
    if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf)
      return fail('BUNDLE_UTF8_INVALID', 'starts with a byte order mark', { offset: 0 });
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
        if (top.has(key))
          return fail(
            'BUNDLE_JSON_INVALID',
            `the key ${JSON.stringify(key.slice(0, 40))} appears twice in one object`,
            { offset: i },
          );
        top.add(key);
        expectKey = false;
      }
      i = j;
    } else if (c === 0x7b || c === 0x5b) {
      stack.push(c === 0x7b ? new Set() : null);
      if (stack.length > maxDepth)
        return {
          ok: false,
          error: new BundleFatal('BUNDLE_JSON_TOO_DEEP', `${member}: nested more than ${maxDepth} levels`, {
            member,
            offset: i,
          }),
        };
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
  if (bad !== undefined)
    return {
      ok: false,
      error: new BundleFatal('BUNDLE_NUMBER_TOO_LARGE', `${member}: ${bad || '(root)'} is not an integer below 2^53`, {
        member,
        path: bad || '(root)',
      }),
    };
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

// Containers open in isJsonText (1 = object, 2 = array); grown as needed, reused across calls.
let jsonStack = new Uint8Array(256);

/**
 * Whether `bytes` is a JSON text — exactly when `JSON.parse(Buffer.from(bytes).toString('utf8'))`
 * would succeed — without building the value. The verifier checks that decision events are JSON
 * even when it does not re-decide them (EVENTS_MALFORMED); JSON.parse spends most of its time
 * making the objects (~13 ns a byte on these events, against ~1–2 here), so this hand-written
 * recogniser of RFC 8259's grammar does that check (test/unit/bundle/json-text.test.ts compares it
 * with JSON.parse on hand-picked and fuzzed inputs).
 *
 * Bytes: outside strings only ASCII may appear (a decoded non-ASCII character is a syntax error,
 * so is a byte order mark); inside strings any byte ≥ 0x20 except `"` and `\` (UTF-8 decoding
 * replaces invalid sequences but never swallows an ASCII byte, so a `"` always ends a string).
 * Nesting has no limit, as V8's JSON.parse has none.
 */
export function isJsonText(b: Uint8Array): boolean {
  const n = b.length;
  let i = 0;
  let depth = 0;
  let c = 0;
  // Expecting a value (true) or what follows one (false).
  let value = true;
  for (;;) {
    while (i < n && ((c = b[i]!) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
    if (value) {
      if (i >= n) return false;
      if (c === 0x22) {
        i = jsonStringEnd(b, i);
        if (i < 0) return false;
      } else if (c === 0x7b || c === 0x5b) {
        // { or [: empty, or a container opens.
        const obj = c === 0x7b;
        i++;
        while (i < n && ((c = b[i]!) === 0x20 || c === 0x0a || c === 0x0d || c === 0x09)) i++;
        if (i < n && c === (obj ? 0x7d : 0x5d)) i++;
        else {
          if (depth === jsonStack.length) {
            const grown = new Uint8Array(jsonStack.length * 2);
            grown.set(jsonStack);
            jsonStack = grown;
          }
          jsonStack[depth++] = obj ? 1 : 2;
          if (obj) {
            i = jsonKey(b, i);
            if (i < 0) return false;
          }
          continue;
        }
      } else if (c === 0x2d || (c >= 0x30 && c <= 0x39)) {
        i = jsonNumberEnd(b, i);
        if (i < 0) return false;
      } else if (c === 0x74) {
        if (b[i + 1] !== 0x72 || b[i + 2] !== 0x75 || b[i + 3] !== 0x65) return false;
        i += 4;
      } else if (c === 0x66) {
        if (b[i + 1] !== 0x61 || b[i + 2] !== 0x6c || b[i + 3] !== 0x73 || b[i + 4] !== 0x65) return false;
        i += 5;
      } else if (c === 0x6e) {
        if (b[i + 1] !== 0x75 || b[i + 2] !== 0x6c || b[i + 3] !== 0x6c) return false;
        i += 4;
      } else return false;
      value = false;
      continue;
    }
    // After a value.
    if (depth === 0) return i >= n;
    if (i >= n) return false;
    const top = jsonStack[depth - 1];
    if (c === 0x2c) {
      i++;
      if (top === 1) {
        i = jsonKey(b, i);
        if (i < 0) return false;
      }
      value = true;
    } else if ((c === 0x7d && top === 1) || (c === 0x5d && top === 2)) {
      i++;
      depth--;
    } else return false;
  }
}

const isWs = (c: number) => c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
const isHex = (c: number) => (c >= 0x30 && c <= 0x39) || ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;

/** A string starting at b[i] (a quote): the index after its closing quote, or -1. */
function jsonStringEnd(b: Uint8Array, i: number): number {
  const n = b.length;
  i++;
  for (;;) {
    let c = 0;
    while (i < n && (c = b[i]!) !== 0x22 && c !== 0x5c && c >= 0x20) i++;
    if (i >= n || c < 0x20) return -1;
    if (c === 0x22) return i + 1;
    // An escape.
    const e = b[i + 1];
    if (e === 0x22 || e === 0x5c || e === 0x2f || e === 0x62 || e === 0x66 || e === 0x6e || e === 0x72 || e === 0x74)
      i += 2;
    else if (e === 0x75 && i + 5 < n && isHex(b[i + 2]!) && isHex(b[i + 3]!) && isHex(b[i + 4]!) && isHex(b[i + 5]!))
      i += 6;
    else return -1;
  }
}

/** An object key and its colon, from b[i] (whitespace allowed around): the index after the colon, or -1. */
function jsonKey(b: Uint8Array, i: number): number {
  const n = b.length;
  while (i < n && isWs(b[i]!)) i++;
  if (b[i] !== 0x22) return -1;
  i = jsonStringEnd(b, i);
  if (i < 0) return -1;
  while (i < n && isWs(b[i]!)) i++;
  return b[i] === 0x3a ? i + 1 : -1;
}

/** A number starting at b[i]: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? — the index after it, or -1. */
function jsonNumberEnd(b: Uint8Array, i: number): number {
  const n = b.length;
  if (b[i] === 0x2d) i++;
  if (i >= n) return -1;
  if (b[i] === 0x30) i++;
  else if (isDigit(b[i]!)) while (i < n && isDigit(b[i]!)) i++;
  else return -1;
  if (b[i] === 0x2e) {
    i++;
    if (i >= n || !isDigit(b[i]!)) return -1;
    while (i < n && isDigit(b[i]!)) i++;
  }
  if (b[i] === 0x65 || b[i] === 0x45) {
    i++;
    if (b[i] === 0x2b || b[i] === 0x2d) i++;
    if (i >= n || !isDigit(b[i]!)) return -1;
    while (i < n && isDigit(b[i]!)) i++;
  }
  return i;
}
