import { readFileSync } from 'node:fs';
import { blake3 as nobleFn } from '@noble/hashes/blake3.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { createBLAKE3 } from 'hash-wasm';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { nobleBlake3, type Blake3 } from '../../../shared/chain';
import { toHex, utf8 } from '../../../shared/bytes';
import { testVectors } from './paths';

interface VectorFile {
  key: string;
  context_string: string;
  cases: { input_len: number; hash: string; keyed_hash: string; derive_key: string }[];
}

// The official BLAKE3 vectors (github.com/BLAKE3-team/BLAKE3, test_vectors.json); provenance and
// licence in test/unit/crypto/vectors/README.md.
const vectors = JSON.parse(readFileSync(testVectors('blake3-test-vectors.json'), 'utf8')) as VectorFile;
const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);

let wasm: Blake3;
beforeAll(async () => {
  wasm = await loadBlake3();
});

describe('official BLAKE3 vectors', () => {
  it('has the cases it should (no silent empty file)', () => {
    expect(vectors.cases.length).toBeGreaterThanOrEqual(35);
    expect(vectors.cases.some((c) => c.input_len > 100_000)).toBe(true);
  });

  it('@noble/hashes: hash, keyed_hash and derive_key, extended output and its 32-byte prefix', () => {
    const key = utf8(vectors.key);
    const context = utf8(vectors.context_string);
    for (const c of vectors.cases) {
      const dkLen = c.hash.length / 2;
      const data = input(c.input_len);
      expect(toHex(nobleFn(data, { dkLen })), `hash ${c.input_len}`).toBe(c.hash);
      expect(toHex(nobleFn(data, { dkLen, key })), `keyed ${c.input_len}`).toBe(c.keyed_hash);
      expect(toHex(nobleFn(data, { dkLen, context })), `derive_key ${c.input_len}`).toBe(c.derive_key);
      expect(toHex(nobleBlake3.hash(data))).toBe(c.hash.slice(0, 64));
    }
  });

  it('hash-wasm: hash and keyed_hash (it has no derive_key mode), extended output and the Blake3 adapter', async () => {
    const plain = await createBLAKE3(8 * 131);
    const keyed = await createBLAKE3(8 * 131, utf8(vectors.key));
    for (const c of vectors.cases) {
      const data = input(c.input_len);
      expect(plain.init().update(data).digest(), `hash ${c.input_len}`).toBe(c.hash);
      expect(keyed.init().update(data).digest(), `keyed ${c.input_len}`).toBe(c.keyed_hash);
      expect(toHex(wasm.hash(data))).toBe(c.hash.slice(0, 64));
    }
  });
});

describe('hash-wasm against @noble/hashes', () => {
  // A deterministic PRNG (xorshift32) so that a failure is reproducible from the seed.
  const rng = (seed: number) => () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x1_0000_0000;
  };

  it('agree on random inputs of random lengths, including chunk and block boundaries', () => {
    const rand = rng(0x5eed1234);
    const lengths = [0, 1, 63, 64, 65, 1023, 1024, 1025, 2048, 2049, 4096 * 3 + 7];
    for (let i = 0; i < 300; i++) lengths.push(Math.floor(rand() * 20_000));
    for (const n of lengths) {
      const data = Uint8Array.from({ length: n }, () => Math.floor(rand() * 256));
      expect(toHex(wasm.hash(data)), `length ${n}`).toBe(toHex(nobleBlake3.hash(data)));
    }
  });

  it('hashParts and createHasher equal the hash of the concatenation, however it is split', () => {
    const rand = rng(42);
    for (let i = 0; i < 100; i++) {
      const data = Uint8Array.from({ length: Math.floor(rand() * 5000) }, () => Math.floor(rand() * 256));
      const cut1 = Math.floor(rand() * data.length);
      const cut2 = cut1 + Math.floor(rand() * (data.length - cut1));
      const parts = [data.subarray(0, cut1), data.subarray(cut1, cut2), data.subarray(cut2)];
      const want = toHex(nobleFn(data));
      for (const impl of [nobleBlake3, wasm]) {
        expect(toHex(impl.hashParts(parts)), impl.name).toBe(want);
        const h = impl.createHasher();
        for (const p of parts) h.update(p);
        expect(toHex(h.digest()), impl.name).toBe(want);
      }
    }
  });

  it('interleaved streaming hashers on the WASM adapter do not disturb each other', () => {
    const a = wasm.createHasher();
    const b = wasm.createHasher();
    a.update(utf8('hello '));
    b.update(utf8('other '));
    wasm.hash(utf8('in between'));
    a.update(utf8('world'));
    b.update(utf8('input'));
    expect(toHex(a.digest())).toBe(toHex(nobleFn(utf8('hello world'))));
    expect(toHex(b.digest())).toBe(toHex(nobleFn(utf8('other input'))));
    expect(() => a.digest()).toThrow();
  });
});
