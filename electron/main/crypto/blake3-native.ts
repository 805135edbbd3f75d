import { createRequire } from 'node:module';
import type { Blake3, Blake3Hasher } from '../../../shared/chain';

/**
 * `@napi-rs/blake-hash` behind shared/chain's `Blake3`: the Rust `blake3` crate (the reference
 * implementation's own, with run-time SIMD dispatch) behind N-API, shipped as prebuilt binaries in
 * per-platform registry packages (optionalDependencies; nothing is compiled or downloaded at
 * install time; pinned to 1.3.4 exactly: 1.3.6 names per-platform packages the registry does not
 * have, so its lock file cannot be complete and `npm ci` refuses it). N-API is ABI-stable, so the
 * same binary loads in Node, in Electron's main process and in worker threads. When it is used is
 * decided in blake3.ts, not here.
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

/** The native module's loader. */
export const requireNative = (): unknown => createRequire(import.meta.url)('@napi-rs/blake-hash');

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

/** The native BLAKE3 from `load` (the module's loader); throws why it cannot be used. */
export function loadNativeBlake3(load: () => unknown): Blake3 {
  return nativeBlake3(checkedNative(load));
}
