import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blake3 as nobleBlake3 } from '@noble/hashes/blake3.js';
import { toHex } from '../../../shared/bytes';
import { largeBlake3From, loadLargeBlake3, type LargeBlake3 } from '../../../electron/main/crypto/blake3';
import { testVectors } from '../chain/paths';

/**
 * The BLAKE3 for large inputs (the bundle hash worker's member digest): the native module must load
 * here (it is a dependency with a prebuilt binary for this platform), give the official vectors and
 * `b3sum`'s digests streamed in any chunking, and a module that fails to load or lies must leave the
 * hash-wasm fallback in charge, with the same digests.
 */
interface VectorFile {
  cases: { input_len: number; hash: string }[];
}
const vectors = JSON.parse(readFileSync(testVectors('blake3-test-vectors.json'), 'utf8')) as VectorFile;
const input = (n: number) => Uint8Array.from({ length: n }, (_, i) => i % 251);
const dir = mkdtempSync(join(tmpdir(), 'arx-blake3-native-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function agreesWithVectors(large: LargeBlake3): void {
  for (const c of vectors.cases) {
    const data = input(c.input_len);
    const want = c.hash.slice(0, 64);
    expect(toHex(large.blake3.hash(data)), `${large.engine} ${c.input_len}`).toBe(want);
    const cut = Math.floor(c.input_len / 3);
    expect(
      toHex(large.blake3.hashParts([data.subarray(0, cut), data.subarray(cut)])),
      `${large.engine} parts ${c.input_len}`,
    ).toBe(want);
    const h = large.blake3.createHasher();
    for (let at = 0; at < data.length; at += 1000) h.update(data.subarray(at, at + 1000));
    expect(toHex(h.digest()), `${large.engine} streamed ${c.input_len}`).toBe(want);
  }
}

describe('BLAKE3 for large inputs', () => {
  it('loads the native engine on this platform and gives the official BLAKE3 vectors, one-shot, in parts and streamed', async () => {
    const large = await loadLargeBlake3();
    expect(large.fallbackReason).toBeNull();
    expect(large.engine).toBe('native');
    agreesWithVectors(large);
  });

  it('gives what b3sum prints for a 5 MiB file hashed in uneven chunks, also from shared memory', async () => {
    const large = await loadLargeBlake3();
    const data = new Uint8Array(randomBytes(5 * (1 << 20) + 777));
    const file = join(dir, 'data.bin');
    writeFileSync(file, data);
    const b3sum = execFileSync('b3sum', ['--no-names', file], { encoding: 'utf8' }).trim();
    expect(b3sum).toBe(toHex(nobleBlake3(data)));
    const shared = new Uint8Array(new SharedArrayBuffer(data.length));
    shared.set(data);
    for (const src of [data, shared]) {
      const h = large.blake3.createHasher();
      for (const [a, b] of [
        [0, 1],
        [1, 65536],
        [65536, (1 << 20) + 3],
        [(1 << 20) + 3, data.length],
      ] as const)
        h.update(src.subarray(a, b));
      expect(toHex(h.digest())).toBe(b3sum);
    }
  });

  it('falls back to hash-wasm, with the reason, when the native module does not load or gives wrong digests', async () => {
    const missing = await largeBlake3From(() => {
      throw new Error("Cannot find module '@napi-rs/blake-hash-linux-x64-gnu'");
    });
    expect(missing.engine).toBe('wasm');
    expect(missing.fallbackReason).toContain('Cannot find module');
    agreesWithVectors(missing);
    const liar = await largeBlake3From(() => ({ blake3: () => Buffer.alloc(32), Blake3Hasher: class {} }));
    expect(liar.engine).toBe('wasm');
    expect(liar.fallbackReason).toMatch(/wrong BLAKE3 digest/);
  });

  it('the streaming hasher refuses use after its digest', async () => {
    const large = await loadLargeBlake3();
    const h = large.blake3.createHasher();
    h.update(input(10));
    h.digest();
    expect(() => h.update(input(1))).toThrow();
    expect(() => h.digest()).toThrow();
  });
});
