import { createBLAKE3, type IHasher } from 'hash-wasm';
import type { Blake3, Blake3Hasher } from '../../../shared/chain';

/**
 * BLAKE3 in WebAssembly through hash-wasm's public API (blake3.ts decides where it is used). Chosen by
 * benchmark (test/bench/blake3.bench.ts): on ~1 KB events it runs an order of magnitude faster
 * than the pure-JS default, needs no native binary (so it packages for Windows and Linux alike) and no download at
 * install time. It is cross-checked against @noble/hashes and the official vectors in the tests.
 *
 * Loading is asynchronous (the module is compiled once); hashing afterwards is synchronous.
 */
export async function loadWasmBlake3(): Promise<Blake3> {
  const oneShot = await createBLAKE3();
  // One instance for streaming hashers too: each keeps its own saved state and loads it per
  // update, so any number of them can be interleaved with each other and with hash().
  const streaming = await createBLAKE3();
  const initialState = streaming.init().save();

  const hashParts = (parts: readonly Uint8Array[]): Uint8Array => {
    const h: IHasher = oneShot.init();
    for (const p of parts) h.update(p);
    return h.digest('binary');
  };

  return {
    name: 'hash-wasm',
    hash: (data) => oneShot.init().update(data).digest('binary'),
    hashParts,
    createHasher(): Blake3Hasher {
      let state = initialState;
      let done = false;
      const hasher: Blake3Hasher = {
        update(data) {
          if (done) throw new Error('Blake3Hasher: update after digest');
          state = streaming.load(state).update(data).save();
          return hasher;
        },
        digest() {
          if (done) throw new Error('Blake3Hasher: digest called twice');
          done = true;
          return streaming.load(state).digest('binary');
        },
      };
      return hasher;
    },
  };
}
