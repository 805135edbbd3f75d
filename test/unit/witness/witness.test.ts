import { describe, expect, it } from 'vitest';
import { utf8 } from '../../../shared/bytes';
import { ed25519Signer, ed25519Verifier, formatCheckpoint, signNote } from '../../../shared/checkpoint';
import { MerkleTree } from '../../../shared/merkle';
import {
  addCheckpoint,
  checkCosignatures,
  cosignatureVerifier,
  ed25519Cosigner,
  formatAddCheckpointRequest,
  parseAddCheckpointRequest,
  requireWitnesses,
  type AddCheckpointRequest,
  type CosignedHead,
  type WitnessContext,
} from '../../../shared/witness';

const ORIGIN = 'arx.gateway/3f2504e0-4f89-41d3-9a0c-0305e82c3301';
const log = ed25519Signer('arx-gateway.alpha.1', new Uint8Array(32).fill(0x11));
const rogue = ed25519Signer('arx-gateway.alpha.1', new Uint8Array(32).fill(0x12));
const witness = ed25519Cosigner('isso-1.arx.example/witness', new Uint8Array(32).fill(0x22));
const tree = MerkleTree.fromLeaves(Array.from({ length: 40 }, (_, i) => utf8(`event ${i}`)));
/** Another history: same first 10 leaves, then different ones. */
const forked = MerkleTree.fromLeaves(Array.from({ length: 40 }, (_, i) => utf8(i < 10 ? `event ${i}` : `forged ${i}`)));

const note = (size: number, t = tree, signer = log) =>
  signNote(formatCheckpoint({ origin: ORIGIN, size, root: t.root(size), extensions: [] }), [signer]);

/** A witness with an in-memory store, persisting each returned head as the caller must. */
function harness() {
  const heads = new Map<string, CosignedHead>();
  const ctx: WitnessContext = {
    logs: [{ origin: ORIGIN, keys: [ed25519Verifier(log.name, log.publicKey)] }],
    latest: (o) => heads.get(o),
    cosigner: witness,
    now: 1_800_000_000,
  };
  const submit = (req: AddCheckpointRequest) => {
    const r = addCheckpoint(req, ctx);
    if (r.ok) heads.set(r.value.head.origin, r.value.head);
    return r;
  };
  const from = (old: number, size: number, t = tree) =>
    submit({ oldSize: old, proof: old === 0 ? [] : t.consistencyProof(old, size), checkpoint: note(size, t) });
  return { heads, ctx, submit, from };
}

describe('addCheckpoint (c2sp.org/tlog-witness)', () => {
  it('cosigns a first checkpoint and then each consistent extension', () => {
    const w = harness();
    for (const [old, size] of [
      [0, 10],
      [10, 25],
      [25, 25],
      [25, 40],
    ] as const) {
      const r = w.from(old, size);
      expect(r.ok).toBe(true);
      const cosigned = note(size) + (r.ok ? r.value.cosignature : '');
      const report = checkCosignatures(cosigned, [cosignatureVerifier(witness.name, witness.publicKey)]);
      expect(report.ok && requireWitnesses(report.value, 1).ok).toBe(true);
    }
    expect(w.heads.get(ORIGIN)?.size).toBe(40);
  });

  it('refuses a fork of the same size with WITNESS_FORK_DETECTED and keeps its head', () => {
    const w = harness();
    w.from(0, 20);
    const r = w.submit({ oldSize: 20, proof: [], checkpoint: note(20, forked) });
    expect(r).toMatchObject({ ok: false, error: { code: 'WITNESS_FORK_DETECTED', details: { latestSize: 20 } } });
    expect(!r.ok && r.error.details?.['cosignedNote']).toBe(note(20));
    expect(w.heads.get(ORIGIN)?.root).toEqual(tree.root(20));
  });

  it('refuses a larger checkpoint of another history: its proof cannot verify', () => {
    const w = harness();
    w.from(0, 20);
    const r = w.submit({ oldSize: 20, proof: forked.consistencyProof(20, 30), checkpoint: note(30, forked) });
    expect(r).toMatchObject({ ok: false, error: { code: 'WITNESS_PROOF_INVALID' } });
    expect(w.from(20, 30).ok).toBe(true);
  });

  it('refuses a rollback to an older checkpoint, whatever old size is claimed', () => {
    const w = harness();
    w.from(0, 30);
    for (const old of [0, 10, 30]) {
      const r = w.submit({ oldSize: old, proof: [], checkpoint: note(10) });
      expect(r).toMatchObject({ ok: false, error: { code: 'WITNESS_ROLLBACK_REFUSED', details: { latestSize: 30 } } });
    }
  });

  it('answers the tlog-witness refusals with their own codes', () => {
    const w = harness();
    expect(w.from(0, 10).ok).toBe(true);
    expect(w.from(5, 20)).toMatchObject({ error: { code: 'WITNESS_OLD_SIZE_MISMATCH', details: { latestSize: 10 } } });
    expect(w.submit({ oldSize: 30, proof: [], checkpoint: note(20) })).toMatchObject({
      error: { code: 'WITNESS_REQUEST_MALFORMED' },
    });
    expect(w.submit({ oldSize: 10, proof: [], checkpoint: note(20) })).toMatchObject({
      error: { code: 'WITNESS_PROOF_INVALID', details: { merkleCode: 'MERKLE_PROOF_EMPTY' } },
    });
    expect(
      w.submit({ oldSize: 10, proof: tree.consistencyProof(10, 20), checkpoint: note(20, tree, rogue) }),
    ).toMatchObject({ error: { code: 'WITNESS_CHECKPOINT_UNVERIFIED' } });
    const other = signNote(
      formatCheckpoint({ origin: 'other.example/log', size: 1, root: tree.root(1), extensions: [] }),
      [log],
    );
    expect(w.submit({ oldSize: 0, proof: [], checkpoint: other })).toMatchObject({
      error: { code: 'WITNESS_LOG_UNKNOWN' },
    });
    expect(w.heads.get(ORIGIN)?.size).toBe(10);
  });

  it('requires the empty root for size 0 and an empty proof from size 0', () => {
    const w = harness();
    const empty = signNote(formatCheckpoint({ origin: ORIGIN, size: 0, root: tree.root(1), extensions: [] }), [log]);
    expect(w.submit({ oldSize: 0, proof: [], checkpoint: empty })).toMatchObject({
      error: { code: 'WITNESS_EMPTY_TREE_ROOT' },
    });
    expect(w.submit({ oldSize: 0, proof: [tree.root(1)], checkpoint: note(5) })).toMatchObject({
      error: { code: 'WITNESS_PROOF_INVALID' },
    });
    expect(w.from(0, 0).ok).toBe(true);
    expect(w.from(0, 7).ok).toBe(true);
  });

  it('detects its own state restored from an older copy: its cosignature on a larger tree', () => {
    const w = harness();
    w.from(0, 10);
    const r = w.from(10, 30);
    const cosigned = note(30) + (r.ok ? r.value.cosignature : '');
    w.heads.set(ORIGIN, { origin: ORIGIN, size: 10, root: tree.root(10), note: note(10), cosignedAt: 1 });
    expect(w.submit({ oldSize: 10, proof: tree.consistencyProof(10, 30), checkpoint: cosigned })).toMatchObject({
      error: { code: 'WITNESS_STATE_ROLLED_BACK', details: { cosignedSize: 30, recordedSize: 10 } },
    });
  });
});

describe('add-checkpoint request body', () => {
  it('round-trips and matches the layout of the spec example', () => {
    const req = { oldSize: 10, proof: tree.consistencyProof(10, 25), checkpoint: note(25) };
    const body = formatAddCheckpointRequest(req);
    expect(body.startsWith(`old 10\n${Buffer.from(req.proof[0]!).toString('base64')}\n`)).toBe(true);
    expect(body).toContain(`\n\n${ORIGIN}\n25\n`);
    expect(parseAddCheckpointRequest(body)).toEqual({ ok: true, value: req });
  });

  it('rejects leading zeros, short hashes and a missing blank line, with the line', () => {
    const bad = (body: string) => parseAddCheckpointRequest(body);
    expect(bad(`old 010\n\n${note(1)}`)).toMatchObject({
      error: { code: 'WITNESS_REQUEST_MALFORMED', details: { line: 1 } },
    });
    expect(bad(`old 1\nAAAA\n\n${note(2)}`)).toMatchObject({ error: { details: { line: 2 } } });
    expect(bad('old 1\n')).toMatchObject({ error: { code: 'WITNESS_REQUEST_MALFORMED' } });
    const long = `old 1\n${`${Buffer.alloc(32).toString('base64')}\n`.repeat(64)}\n${note(2)}`;
    expect(bad(long)).toMatchObject({ error: { code: 'WITNESS_REQUEST_MALFORMED' } });
  });
});
