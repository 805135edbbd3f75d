import { describe, expect, it } from 'vitest';
import {
  ed25519Verifier,
  formatArxCheckpoint,
  formatTlogProof,
  openArxCheckpoint,
  openNote,
  signNote,
  verifyTlogProof,
} from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import { gatewayKey, TENANT, witnessKey } from './fixtures';

const rng = (seed: number) => () => {
  seed ^= seed << 13;
  seed ^= seed >>> 17;
  seed ^= seed << 5;
  return (seed >>> 0) / 0x1_0000_0000;
};
const ALPHABET = 'aZ09+/=\n \u2014-\t\r\u00a0\ud800é';

/** One random edit: replace, insert or delete a character. */
function mutate(text: string, rand: () => number): string {
  const at = Math.floor(rand() * (text.length + 1));
  const ch = ALPHABET[Math.floor(rand() * ALPHABET.length)]!;
  const op = Math.floor(rand() * 3);
  if (op === 0) return text.slice(0, at) + ch + text.slice(at + 1);
  if (op === 1) return text.slice(0, at) + ch + text.slice(at);
  return text.slice(0, at) + text.slice(at + 1);
}

describe('hostile notes and proofs: never a crash, never a forged acceptance', () => {
  const tree = MerkleTree.fromLeaves(Array.from({ length: 9 }, (_, i) => new Uint8Array(32).fill(i)));
  const cp = {
    tenantId: TENANT,
    size: 9,
    root: tree.root(),
    time: '2026-11-25T18:00:00.000000Z',
    head: new Uint8Array(32).fill(8),
  };
  const body = formatArxCheckpoint(cp);
  const note = signNote(body, [gatewayKey, witnessKey]);
  const verifiers = [ed25519Verifier(gatewayKey.name, gatewayKey.publicKey)];
  const proof = formatTlogProof({ index: 4, proof: tree.inclusionProof(4), checkpoint: note });

  it('3000 random edits of a signed checkpoint: either rejected with a code, or the same signed text', () => {
    const rand = rng(7);
    let accepted = 0;
    for (let i = 0; i < 3000; i++) {
      const m = mutate(i % 2 ? note : mutate(note, rand), rand);
      if (m === note) continue;
      const opened = openNote(m, verifiers);
      if (opened.ok) {
        accepted++;
        // Only edits outside the signed text can pass (e.g. in the unknown witness's signature line).
        expect(opened.value.text).toBe(body);
      } else expect(opened.error.code).toMatch(/^NOTE_/);
      const cpOpened = openArxCheckpoint(m, verifiers, { tenantId: TENANT });
      if (cpOpened.ok) expect(cpOpened.value.checkpoint).toEqual(cp);
    }
    expect(accepted).toBeLessThan(3000);
  });

  it('3000 random edits of an offline proof: either rejected with a code, or still the same index and checkpoint', () => {
    const rand = rng(11);
    for (let i = 0; i < 3000; i++) {
      const m = mutate(proof, rand);
      if (m === proof) continue;
      const r = verifyTlogProof(m, new Uint8Array(32).fill(4), verifiers, { tenantId: TENANT });
      if (r.ok) {
        expect(r.value.index).toBe(4);
        expect(r.value.checkpoint).toEqual(cp);
      } else expect(r.error.code).toMatch(/^(NOTE_|CHECKPOINT_|TLOG_PROOF_)/);
    }
  });
});
