import type { Blake3 } from '../../../shared/chain';
import { loadNativeBlake3, requireNative } from './blake3-native';
import { loadWasmBlake3 } from './blake3-wasm';
import { HashKernel } from './hash-kernel';

/**
 * The one BLAKE3 of electron/main: every service and worker takes its hashing from here.
 *
 * Selection rule, made only here:
 * - small inputs (event digests, chain links, Merkle hashes, anything hashed per row): WebAssembly,
 *   hash-wasm's vendored build driven through its C exports (`loadHashKernel`, `loadEventDigester`)
 *   or through its public API where a streaming `Blake3` is wanted (`loadBlake3`); per call the
 *   native binding costs more than a whole event in WebAssembly;
 * - large inputs (whole files, bundle members: `loadLargeBlake3`): native `@napi-rs/blake-hash` when
 *   it loads and gives the known answer, unless `ARX_BLAKE3=wasm`; otherwise WebAssembly, with the
 *   reason. Every engine gives the same digests (official vectors and `b3sum`, test/unit/crypto).
 *
 * Everything is loaded once per thread (WebAssembly instances are per thread).
 */

export { HashKernel } from './hash-kernel';

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

let small: Promise<Blake3> | null = null;

/** The thread's BLAKE3 for small and streamed inputs (hash-wasm). */
export function loadBlake3(): Promise<Blake3> {
  small ??= loadWasmBlake3();
  return small;
}

/**
 * BLAKE3 for large inputs from `load` (the native module's loader): native when it loads and gives
 * the right digests, else the WebAssembly fallback with the reason. Exported for the tests.
 */
export async function largeBlake3From(load: () => unknown): Promise<LargeBlake3> {
  let reason: string;
  if (process.env.ARX_BLAKE3 === 'wasm') reason = 'ARX_BLAKE3=wasm';
  else {
    try {
      return { engine: 'native', fallbackReason: null, blake3: loadNativeBlake3(load) };
    } catch (e) {
      reason = (e instanceof Error ? e.message : String(e)).split('\n')[0]!.slice(0, 200);
    }
  }
  return { engine: 'wasm', fallbackReason: reason, blake3: await loadBlake3() };
}

let large: Promise<LargeBlake3> | null = null;

/** The thread's BLAKE3 for large inputs: native when it loads, else WebAssembly. */
export function loadLargeBlake3(): Promise<LargeBlake3> {
  large ??= largeBlake3From(requireNative);
  return large;
}

let kernel: Promise<HashKernel> | null = null;

/** The thread's hash kernel: BLAKE3 and SHA-256 per row, through the WebAssembly's C exports. */
export function loadHashKernel(): Promise<HashKernel> {
  kernel ??= loadBlake3().then((streaming) => new HashKernel(streaming));
  return kernel;
}

let digester: Promise<(bytes: Uint8Array) => Uint8Array> | null = null;

/**
 * d = BLAKE3("arx/event/v1" ‖ bytes) (docs/chain-format.md) as a fresh array, on a kernel of its
 * own so that it never overwrites the output another caller of the thread's kernel is reading.
 */
export function loadEventDigester(): Promise<(bytes: Uint8Array) => Uint8Array> {
  digester ??= loadBlake3().then((streaming) => {
    const k = new HashKernel(streaming);
    return (bytes: Uint8Array) => {
      k.eventDigest(bytes, 0, bytes.length);
      return k.outCopy();
    };
  });
  return digester;
}
