import { blake3 as nobleBlake3Fn } from '@noble/hashes/blake3.js';

/**
 * The BLAKE3 implementation the chain uses, chosen by the caller. shared/ defaults to
 * @noble/hashes (pure JS, runs everywhere); the main process and its workers plug in the faster
 * WASM one from electron/main/crypto (chosen by test/bench/blake3.bench.ts; docs/benchmarks.md).
 * Every implementation must give the same 32-byte default-length output as `b3sum`.
 */
export interface Blake3 {
  /** A short name for reports and benchmarks, e.g. "noble" or "hash-wasm". */
  readonly name: string;
  /** BLAKE3 default mode, 32-byte output. Must not keep `data`: callers reuse their buffers. */
  hash(data: Uint8Array): Uint8Array;
  /**
   * BLAKE3 of the concatenation of `parts`, without copying them into one buffer. This is how the
   * domain tag is prefixed to an event (DESIGN.md: "arx/event/v1" ‖ bytes) at no extra cost.
   */
  hashParts(parts: readonly Uint8Array[]): Uint8Array;
  /** An incremental hasher for inputs that arrive in pieces (streams, files). */
  createHasher(): Blake3Hasher;
}

export interface Blake3Hasher {
  update(data: Uint8Array): Blake3Hasher;
  /** Finishes and returns the 32-byte digest; the hasher must not be used afterwards. */
  digest(): Uint8Array;
}

export const BLAKE3_OUT_LEN = 32;

/** The default: @noble/hashes, audited pure JS. */
export const nobleBlake3: Blake3 = {
  name: 'noble',
  hash: (data) => nobleBlake3Fn(data),
  hashParts(parts) {
    const h = nobleBlake3Fn.create();
    for (const p of parts) h.update(p);
    return h.digest();
  },
  createHasher() {
    const h = nobleBlake3Fn.create();
    const hasher: Blake3Hasher = {
      update(data) {
        h.update(data);
        return hasher;
      },
      digest: () => h.digest(),
    };
    return hasher;
  },
};
