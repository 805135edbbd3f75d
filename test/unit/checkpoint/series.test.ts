import { describe, expect, it } from 'vitest';
import {
  ed25519Verifier,
  formatArxCheckpoint,
  signNote,
  verifyCheckpointNote,
  verifyCheckpointSeries,
  type CheckpointKey,
  type NoteSigner,
  type SeriesNote,
} from '../../../shared/checkpoint';
import { utf8 } from '../../../shared/bytes';
import { MerkleTree } from '../../../shared/merkle';
import { gatewayKey, impostorKey, OTHER_TENANT, strangerKey, TENANT } from './fixtures';

const HEAD = new Uint8Array(32).fill(7);
const tree = MerkleTree.fromLeaves(Array.from({ length: 20 }, (_, i) => utf8(`event ${i}`)));
const key = (from: string, to: string | null, signer: NoteSigner = gatewayKey): CheckpointKey => ({
  verifier: ed25519Verifier(signer.name, (signer as NoteSigner & { publicKey: Uint8Array }).publicKey),
  validFrom: new Date(from),
  validTo: to === null ? null : new Date(to),
});
const KEYS = [key('2026-01-01T00:00:00Z', null)];

/** A checkpoint of the first `size` leaves, signed at `time`, with the proof from `prior` leaves. */
function cp(
  size: number,
  time: string,
  prior?: number,
  signer: NoteSigner = gatewayKey,
  tenantId = TENANT,
): SeriesNote {
  const note = signNote(formatArxCheckpoint({ tenantId, size, root: tree.root(size), time, head: HEAD }), [signer]);
  return { note, ...(prior !== undefined ? { proof: tree.consistencyProof(prior, size) } : {}) };
}

const T = (n: number) => `2026-06-0${n}T00:00:00.000000Z`;

describe('verifyCheckpointSeries', () => {
  it('accepts a valid series: every note verified, every link consistent', () => {
    const v = verifyCheckpointSeries([cp(0, T(1)), cp(5, T(2), 0), cp(12, T(3), 5), cp(20, T(4), 12)], KEYS, {
      tenantId: TENANT,
    });
    expect(v.notes.map((n) => n.ok)).toEqual([true, true, true, true]);
    expect(v.notes[2]).toMatchObject({ ok: true, signer: gatewayKey.name, checkpoint: { size: 12, time: T(3) } });
    expect(v.links).toEqual([
      { from: 0, to: 1, ok: true },
      { from: 1, to: 2, ok: true },
      { from: 2, to: 3, ok: true },
    ]);
  });

  it('reports a note signed by an unknown key, or by a key of the same name but other material', () => {
    const v = verifyCheckpointSeries([cp(5, T(1), undefined, strangerKey), cp(8, T(2), 5, impostorKey)], KEYS, {
      tenantId: TENANT,
    });
    expect(v.notes.map((n) => !n.ok && n.problem)).toEqual(['CHECKPOINT_KEY_UNKNOWN', 'CHECKPOINT_KEY_UNKNOWN']);
    expect(v.links).toEqual([]);
  });

  it('reports an altered signature and a malformed or foreign note', () => {
    const good = cp(5, T(1)).note as string;
    const sig = good.lastIndexOf(' ') + 1;
    const flipped = good.slice(0, sig + 6) + (good[sig + 6] === 'A' ? 'B' : 'A') + good.slice(sig + 7);
    const v = verifyCheckpointSeries(
      [
        { note: flipped },
        { note: signNote('not a checkpoint\n', [gatewayKey]) },
        cp(5, T(1), undefined, gatewayKey, OTHER_TENANT),
      ],
      KEYS,
      { tenantId: TENANT },
    );
    expect(v.notes.map((n) => !n.ok && n.problem)).toEqual([
      'CHECKPOINT_SIGNATURE_INVALID',
      'CHECKPOINT_MALFORMED',
      'CHECKPOINT_MALFORMED',
    ]);
  });

  it('reports a note signed outside its key window, with the window, and does not link across it', () => {
    const keys = [key('2026-06-02T00:00:00Z', '2026-06-04T00:00:00Z')];
    const v = verifyCheckpointSeries([cp(5, T(1)), cp(8, T(2), 5), cp(12, T(3), 8), cp(20, T(4), 12)], keys, {
      tenantId: TENANT,
    });
    expect(v.notes.map((n) => (n.ok ? 'ok' : n.problem))).toEqual([
      'CHECKPOINT_KEY_OUTSIDE_WINDOW',
      'ok',
      'ok',
      'CHECKPOINT_KEY_OUTSIDE_WINDOW', // the window's end is exclusive
    ]);
    const first = v.notes[0]!;
    expect(!first.ok && first.problem === 'CHECKPOINT_KEY_OUTSIDE_WINDOW' && first.window?.from.toISOString()).toBe(
      '2026-06-02T00:00:00.000Z',
    );
    expect(v.links).toEqual([{ from: 1, to: 2, ok: true }]);
  });

  it('takes the window of the last key registered under the signing name', () => {
    const keys = [key('2026-01-01T00:00:00Z', null), key('2026-07-01T00:00:00Z', null)];
    expect(verifyCheckpointNote(cp(5, T(1)).note, keys, { tenantId: TENANT })).toMatchObject({
      ok: false,
      problem: 'CHECKPOINT_KEY_OUTSIDE_WINDOW',
    });
  });

  it('rejects a series whose size goes down, and two roots for one size (a fork)', () => {
    const forked = signNote(
      formatArxCheckpoint({ tenantId: TENANT, size: 12, root: tree.root(13), time: T(3), head: HEAD }),
      [gatewayKey],
    );
    const v = verifyCheckpointSeries([cp(12, T(1)), cp(5, T(2)), cp(12, T(3), 5), { note: forked }], KEYS, {
      tenantId: TENANT,
    });
    expect(v.notes.every((n) => n.ok)).toBe(true);
    expect(v.links.map((l) => (l.ok ? 'ok' : l.reason))).toEqual(['shrinks', 'ok', 'fork']);
  });

  it('rejects an inconsistent series: a wrong or missing consistency proof', () => {
    const wrong = { ...cp(12, T(2)), proof: tree.consistencyProof(4, 12) };
    const v = verifyCheckpointSeries([cp(5, T(1)), wrong, cp(20, T(3))], KEYS, { tenantId: TENANT });
    expect(v.links.map((l) => (l.ok ? 'ok' : l.reason))).toEqual(['proof', 'proof']);
    const l = v.links[0]!;
    expect(!l.ok && l.error?.code).toMatch(/^MERKLE_/);
  });

  it('pairs only neighbours: an unverified note breaks the series there', () => {
    const v = verifyCheckpointSeries([cp(5, T(1)), cp(8, T(2), 5, strangerKey), cp(12, T(3), 8)], KEYS, {
      tenantId: TENANT,
    });
    expect(v.notes.map((n) => n.ok)).toEqual([true, false, true]);
    expect(v.links).toEqual([]);
  });
});
