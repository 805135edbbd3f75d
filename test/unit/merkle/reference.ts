import { sha256 } from '@noble/hashes/sha2.js';

/**
 * An independent, deliberately naive transcription of RFC 9162 §2.1 over arrays (no stored
 * levels, no frontier), to check the library against. Leaves are leaf data, not leaf hashes.
 */
const cat = (...parts: Uint8Array[]) => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
const k = (n: number) => 2 ** Math.ceil(Math.log2(n) - 1); // largest power of two < n, n > 1

export function refLeafHashes(leaves: readonly Uint8Array[]): Uint8Array[] {
  return leaves.map((d) => sha256(cat(Uint8Array.of(0), d)));
}

/** MTH over leaf *hashes* D (already 0x00-prefixed and hashed). */
export function refMth(d: readonly Uint8Array[]): Uint8Array {
  if (d.length === 0) return sha256(new Uint8Array(0));
  if (d.length === 1) return d[0]!;
  const s = k(d.length);
  return sha256(cat(Uint8Array.of(1), refMth(d.slice(0, s)), refMth(d.slice(s))));
}

export function refPath(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  if (d.length <= 1) return [];
  const s = k(d.length);
  return m < s
    ? [...refPath(m, d.slice(0, s)), refMth(d.slice(s))]
    : [...refPath(m - s, d.slice(s)), refMth(d.slice(0, s))];
}

function refSubproof(m: number, d: readonly Uint8Array[], b: boolean): Uint8Array[] {
  if (m === d.length) return b ? [] : [refMth(d)];
  const s = k(d.length);
  return m <= s
    ? [...refSubproof(m, d.slice(0, s), b), refMth(d.slice(s))]
    : [...refSubproof(m - s, d.slice(s), false), refMth(d.slice(0, s))];
}

export function refConsistency(m: number, d: readonly Uint8Array[]): Uint8Array[] {
  return m === 0 ? [] : refSubproof(m, d, true);
}
