import { describe, expect, it } from 'vitest';
import {
  chainLink,
  eventDigest,
  nobleBlake3,
  problemMeaning,
  verifyChain,
  type ChainCheckpoint,
  type ChainRow,
} from '../../../shared/chain';
import { defaultMerkleHasher, MerkleFrontier } from '../../../shared/merkle';
import { buildRows, clone, TENANT_A } from '../chain/fixtures';

/**
 * The engine hands ChainVerifier digests, links and leaf hashes computed in worker threads. The
 * report must be exactly the one the verifier reaches on its own, for intact and tampered chains,
 * and a precomputed value can never make a broken row pass.
 */
const N = 300;

/** What digest-worker.ts computes, row by row in stream order. */
function withPrecomputed(rows: ChainRow[]): ChainRow[] {
  return rows.map((r, i) => {
    const d = eventDigest(nobleBlake3, r.bytes);
    const out: ChainRow = { ...r, computedDigest: d, leafHash: defaultMerkleHasher.leafHash(r.hash) };
    const prev = i > 0 ? rows[i - 1]!.hash : null;
    if (prev) out.computedLink = { seq: r.seq, prev, hash: chainLink(nobleBlake3, r.seq, prev, d) };
    return out;
  });
}

function checkpointsOf(rows: ChainRow[], sizes: number[]): ChainCheckpoint[] {
  const f = new MerkleFrontier();
  const out: ChainCheckpoint[] = [];
  rows.forEach((r, i) => {
    f.append(r.hash);
    if (sizes.includes(i + 1)) out.push({ size: i + 1, root: f.root(), head: r.hash });
  });
  return out;
}

const good = buildRows(TENANT_A, N);
const cps = checkpointsOf(good, [100, 200, 250]);

const tampers: Record<string, (rows: ChainRow[]) => ChainRow[]> = {
  intact: (r) => r,
  'modified bytes': (r) => {
    r[40] = { ...r[40]!, bytes: Uint8Array.from([...r[40]!.bytes, 0x20]) };
    return r;
  },
  deleted: (r) => r.filter((x) => x.seq !== 70),
  swapped: (r) => {
    const a = r[120]!;
    const b = r[121]!;
    r[120] = { ...b, seq: a.seq };
    r[121] = { ...a, seq: b.seq };
    return r;
  },
  'rewritten hash': (r) => {
    r[150] = { ...r[150]!, hash: new Uint8Array(32).fill(7) };
    return r;
  },
  truncated: (r) => r.slice(0, 240),
  'renumbered after a deletion': (r) =>
    r.filter((x) => x.seq !== 180).map((x) => (x.seq > 180 ? { ...x, seq: x.seq - 1 } : x)),
};

describe('precomputed digests, links and leaves give the same report as the verifier alone', () => {
  for (const [name, tamper] of Object.entries(tampers)) {
    it(name, () => {
      const rows = tamper(clone(good));
      const plain = verifyChain(rows, { start: { tenantId: TENANT_A }, checkpoints: cps });
      const fast = verifyChain(withPrecomputed(rows), { start: { tenantId: TENANT_A }, checkpoints: cps });
      expect(fast).toEqual(plain);
      if (name === 'intact') expect(plain.ok).toBe(true);
      else expect(plain.ok).toBe(false);
    });
  }

  it('a wrong precomputed link or leaf cannot hide a broken row', () => {
    const rows = clone(good);
    rows[90] = { ...rows[90]!, hash: new Uint8Array(32).fill(9) };
    const pre = withPrecomputed(rows);
    // A lying "worker" claims the link of row 90 equals its (forged) stored hash.
    pre[90] = { ...pre[90]!, computedLink: { seq: 90, prev: pre[89]!.hash, hash: pre[90]!.hash } };
    const r = verifyChain(pre, { start: { tenantId: TENANT_A }, checkpoints: cps });
    // The forged link is believed only for row 90 itself (by design: the worker is ours); the
    // next row and the checkpoint root still expose the rewrite.
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(expect.arrayContaining(['CHECKPOINT_ROOT_MISMATCH']));
  });
});

describe('plain meanings', () => {
  it('say what happened, with the seq as a person reads it', () => {
    expect(problemMeaning({ code: 'EVENT_DIGEST_MISMATCH', details: { seq: 48213 } })).toBe(
      'Event 48,213 was modified after it was written: its stored bytes no longer hash to the digest recorded with it.',
    );
    expect(problemMeaning({ code: 'SEQ_GAP', details: { seq: 10, lastSeq: 12, count: 3 } })).toBe(
      'Events 10 to 12 were deleted: their sequence numbers are missing from the chain.',
    );
    expect(problemMeaning({ code: 'TAIL_NOT_CHECKPOINTED', details: { seq: 2000, count: 1 } })).toBe(
      '1 event from event 2,000 on is not yet covered by a signed checkpoint: it is chained, but not yet provable.',
    );
  });
});
