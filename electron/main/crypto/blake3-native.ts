import { createRequire } from 'node:module';
import type { Blake3, Blake3Hasher } from '../../../shared/chain';
import { loadWasmBlake3 } from './wasm-blake3';

/**
 * BLAKE3 for large inputs (whole files, bundle members): native when the prebuilt N-API module
 * loads, hash-wasm otherwise.
 *
 * Native: `@napi-rs/blake-hash` — the Rust `blake3` crate (the reference implementation's own,
 * with run-time SIMD dispatch: SSE4.1, AVX2, AVX-512) behind N-API, shipped as prebuilt binaries
 * in per-platform registry packages (optionalDependencies; nothing is compiled or downloaded at
 * install time; pinned to 1.3.4 exactly: 1.3.6 names per-platform packages the registry does not
 * have, so its lock file cannot be complete and `npm ci` refuses it). N-API is ABI-stable, so the same binary loads in Node and in Electron's main
 * process and in worker threads. On 1 MiB blocks it is several times faster than hash-wasm's scalar
 * WebAssembly, in the order of `b3sum --num-threads 1`; but one call costs more CPU than a whole
 * ~620-byte event in WebAssembly driven through its C exports (electron/main/chain/hash-kernel.ts;
 * figures: docs/benchmarks.md), so this is for large inputs only, and small ones (event digests,
 * chain links) stay in WebAssembly.
 *
 * Fallback: when the native module cannot be loaded (a platform without a prebuilt package, a
 * packaging mistake, or ARX_BLAKE3=wasm), hash-wasm — same digests, slower. `engine` says which
 * ran, for reports and benchmarks. Both are checked against the official BLAKE3 vectors and
 * `b3sum` (test/unit/crypto/blake3-native.test.ts).
 */

interface NativeHasher {
  update(input: Uint8Array): NativeHasher;
  digestBuffer(): Buffer;
  reset(): void;
}
interface NativeModule {
  blake3(input: Uint8Array): Buffer;
  Blake3Hasher: new () => NativeHasher;
}

export type Blake3EngineName = 'native' | 'wasm';

/** A BLAKE3 for large inputs: one-shot and streaming, 32-byte default output (what `b3sum` prints). */
export interface LargeBlake3 {
  /** Which implementation runs: `native` (@napi-rs/blake-hash) or `wasm` (hash-wasm fallback). */
  readonly engine: Blake3EngineName;
  /** Why the native module is not used (null when it is). */
  readonly fallbackReason: string | null;
  /** As shared/chain's Blake3 (hash, hashParts, createHasher), for callers that take that interface. */
  readonly blake3: Blake3;
}

/** Loads and checks the native module; throws why it cannot be used. */
function checkedNative(load: () => unknown): NativeModule {
  const m = load() as NativeModule;
  // One known answer before trusting it: BLAKE3("abc"), and a streamed one.
  const abc = new TextEncoder().encode('abc');
  const want = '6437b3ac38465133ffb63b75273a8db548c558465d79db03fd359c6cd5bd9d85';
  if (
    Buffer.from(m.blake3(abc)).toString('hex') !== want ||
    Buffer.from(new m.Blake3Hasher().update(abc.subarray(0, 1)).update(abc.subarray(1)).digestBuffer()).toString(
      'hex',
    ) !== want
  ) {
    throw new Error('the native module gives a wrong BLAKE3 digest');
  }
  return m;
}

const requireNative = () => createRequire(import.meta.url)('@napi-rs/blake-hash');

function nativeBlake3(m: NativeModule): Blake3 {
  // The binding returns a fresh Buffer per digest: a view of it is the caller's own.
  const own = (b: Buffer) => new Uint8Array(b.buffer, b.byteOffset, b.length);
  return {
    name: 'native',
    hash: (data) => own(m.blake3(data)),
    hashParts(parts) {
      const h = new m.Blake3Hasher();
      for (const p of parts) h.update(p);
      return own(h.digestBuffer());
    },
    createHasher(): Blake3Hasher {
      const h = new m.Blake3Hasher();
      let done = false;
      const hasher: Blake3Hasher = {
        update(data) {
          if (done) throw new Error('Blake3Hasher: update after digest');
          h.update(data);
          return hasher;
        },
        digest() {
          if (done) throw new Error('Blake3Hasher: digest called twice');
          done = true;
          return own(h.digestBuffer());
        },
      };
      return hasher;
    },
  };
}

/**
 * BLAKE3 for large inputs from `load` (the native module's loader): native when it loads and gives
 * the right digests, else the hash-wasm fallback with the reason. Exported for the tests.
 */
export async function largeBlake3From(load: () => unknown): Promise<LargeBlake3> {
  let reason: string;
  if (process.env.ARX_BLAKE3 === 'wasm') reason = 'ARX_BLAKE3=wasm';
  else {
    try {
      return { engine: 'native', fallbackReason: null, blake3: nativeBlake3(checkedNative(load)) };
    } catch (e) {
      reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
    }
  }
  return { engine: 'wasm', fallbackReason: reason, blake3: await loadWasmBlake3() };
}

let loaded: Promise<LargeBlake3> | null = null;

/** The thread's BLAKE3 for large inputs (loaded once per thread): native when it loads, else hash-wasm. */
export function loadLargeBlake3(): Promise<LargeBlake3> {
  loaded ??= largeBlake3From(requireNative);
  return loaded;
}
