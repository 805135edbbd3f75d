import { createPublicKey, verify as cryptoVerify } from 'node:crypto';
import { createSHA256 } from 'hash-wasm';
import { ed25519Verifier, type NoteVerifier } from '../../../shared/checkpoint';
import type { MerkleHasher } from '../../../shared/merkle';

/**
 * Faster stand-ins for the pure-JS primitives of shared/, for the main process and the CLI,
 * chosen by profile and micro-benchmark (docs/benchmarks.md, "Measurements behind code choices"):
 *   SHA-256 for the Merkle tree: hash-wasm, faster than @noble and than node:crypto's object per hash;
 *   Ed25519 for checkpoint notes: node:crypto (OpenSSL) instead of @noble.
 * Both give the same bytes and the same accept/reject decisions (test/unit/chain/node-crypto.test.ts).
 */
const LEAF = Uint8Array.of(0x00);
const NODE = Uint8Array.of(0x01);

export async function loadWasmMerkleHasher(): Promise<MerkleHasher> {
  const h = await createSHA256();
  return {
    leafHash: (leaf) => h.init().update(LEAF).update(leaf).digest('binary'),
    nodeHash: (left, right) => {
      if (left.length !== 32 || right.length !== 32) throw new RangeError('nodeHash: children must be 32-byte hashes');
      return h.init().update(NODE).update(left).update(right).digest('binary');
    },
  };
}

/**
 * An Ed25519 note verifier backed by OpenSSL. The key is first vetted by the shared verifier
 * (canonical encoding, not of small order), which also gives the C2SP key id.
 */
export function nodeEd25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const vetted = ed25519Verifier(name, publicKey);
  const key = createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(publicKey).toString('base64url') },
    format: 'jwk',
  });
  return {
    name: vetted.name,
    keyId: vetted.keyId,
    verify: (message, signature) => signature.length === 64 && cryptoVerify(null, message, key, signature),
  };
}
