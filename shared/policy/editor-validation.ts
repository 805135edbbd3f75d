import type { CedarBindings } from './cedar';

/** A bounded memo of a one-argument function; the least recently used entry goes first. */
function memo<A, R>(f: (a: A) => R, maxEntries: number): (a: A) => R {
  const cache = new Map<A, R>();
  return (a) => {
    if (cache.has(a)) {
      const hit = cache.get(a)!;
      cache.delete(a);
      cache.set(a, hit);
      return hit;
    }
    const r = f(a);
    cache.set(a, r);
    if (cache.size > maxEntries) cache.delete(cache.keys().next().value as A);
    return r;
  };
}

/**
 * Cedar bindings for the editor's validate-on-every-keystroke loop. A keystroke changes one policy
 * of a set, but splitting the set by @id converts every policy to JSON again (for a large set that
 * costs more than the strict validation itself), and the gateway schema is
 * checked again each time. Both answers depend only on their input text, so they are memoized;
 * validatePolicies is unchanged and gets the same answers, faster.
 */
export function memoizedBindings(cedar: CedarBindings, maxEntries = 4096): CedarBindings {
  const toJson = memo((p: string) => cedar.policyToJson(p), maxEntries);
  const schema = memo((s: string) => cedar.checkParseSchema(s), 16);
  return {
    ...cedar,
    // Only string inputs are memoized (the editor's case); anything else goes straight through.
    policyToJson: (p) => (typeof p === 'string' ? toJson(p) : cedar.policyToJson(p)),
    checkParseSchema: (s) => (typeof s === 'string' ? schema(s) : cedar.checkParseSchema(s)),
  };
}
