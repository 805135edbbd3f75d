import { randomBytes } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { describe, expect, it } from 'vitest';
import { ed25519Verifier } from '../../../shared/checkpoint';
import { defaultMerkleHasher, MerkleFrontier } from '../../../shared/merkle';
import { loadWasmMerkleHasher, nodeEd25519Verifier } from '../../../electron/main/chain/node-crypto';

describe('main-process crypto stand-ins agree with shared/', () => {
  it('the WASM SHA-256 Merkle hasher gives the same leaf, node and root hashes', async () => {
    const wasm = await loadWasmMerkleHasher();
    const a = new MerkleFrontier();
    const b = new MerkleFrontier(undefined, wasm);
    for (let i = 0; i < 300; i++) {
      const leaf = randomBytes(32);
      expect(Buffer.from(wasm.leafHash(leaf))).toEqual(Buffer.from(defaultMerkleHasher.leafHash(leaf)));
      a.append(leaf);
      b.append(leaf);
      expect(Buffer.from(b.root())).toEqual(Buffer.from(a.root()));
    }
    expect(() => wasm.nodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });

  it('the OpenSSL Ed25519 verifier accepts and rejects exactly what the shared one does', () => {
    const sk = ed25519.utils.randomSecretKey();
    const pk = ed25519.getPublicKey(sk);
    const shared = ed25519Verifier('k', pk);
    const node = nodeEd25519Verifier('k', pk);
    expect(node.keyId).toBe(shared.keyId);
    for (let i = 0; i < 50; i++) {
      const msg = randomBytes(40);
      const sig = ed25519.sign(msg, sk);
      const cases = [sig, sig.slice(0, 63), Uint8Array.from(sig, (x, j) => (j === i % 64 ? x ^ 1 : x))];
      for (const s of cases) expect(node.verify(msg, s)).toBe(shared.verify(msg, s));
      expect(node.verify(msg, sig)).toBe(true);
    }
    // A signature with S + L (non-canonical) is refused by both.
    const msg = randomBytes(8);
    const sig = ed25519.sign(msg, sk);
    const L = 2n ** 252n + 27742317777372353535851937790883648493n;
    let S = 0n;
    for (let j = 63; j >= 32; j--) S = (S << 8n) | BigInt(sig[j]!);
    S += L;
    const big = sig.slice();
    for (let j = 32; j < 64; j++) {
      big[j] = Number(S & 0xffn);
      S >>= 8n;
    }
    expect(shared.verify(msg, big)).toBe(false);
    expect(node.verify(msg, big)).toBe(false);
  });

  it('the OpenSSL verifier refuses the keys the shared one refuses', () => {
    expect(() => nodeEd25519Verifier('k', new Uint8Array(32))).toThrow();
  });
});
