import { describe, expect, it } from 'vitest';
import {
  ChainBuilder,
  chainLink,
  eventDigest,
  genesisHash,
  nobleBlake3,
  verifyChain,
  verifyChainAsync,
  type ChainCheckpoint,
  type ChainRow,
  type ChainStart,
} from '../../../shared/chain';
import { MerkleFrontier, MerkleTree } from '../../../shared/merkle';
import { toHex, utf8 } from '../../../shared/bytes';
import { buildRows, clone, eventBytes, TENANT_A, TENANT_B } from './fixtures';

const b3 = nobleBlake3;
const N = 40;
const start = { tenantId: TENANT_A };
const verify = (rows: ChainRow[], anchors?: { seq: number; hash: Uint8Array }[]) =>
  verifyChain(rows, anchors ? { start, anchors } : { start });
const codes = (r: ReturnType<typeof verify>) => r.errors.map((i) => `${i.code}@${i.details.seq}`);

describe('ChainVerifier on an intact chain', () => {
  it('accepts it and reports its size and head', () => {
    const rows = buildRows(TENANT_A, N);
    const r = verify(rows);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.size).toBe(N);
    expect(toHex(r.head)).toBe(toHex(rows[N - 1]!.hash));
  });

  it('accepts an empty chain, whose head is the genesis hash', () => {
    const r = verify([]);
    expect(r.ok).toBe(true);
    expect(r.size).toBe(0);
    expect(toHex(r.head)).toBe(toHex(genesisHash(b3, TENANT_A)));
  });

  it('verifies a segment from a known predecessor', () => {
    const rows = buildRows(TENANT_A, N);
    const r = verifyChain(rows.slice(10), { start: { seq: 10, prevHash: rows[9]!.hash } });
    expect(r.errors).toEqual([]);
    expect(r.size).toBe(N);
    const wrong = verifyChain(rows.slice(10), { start: { seq: 10, prevHash: rows[8]!.hash } });
    expect(codes(wrong)).toEqual(['CHAIN_LINK_MISMATCH@10']);
  });

  it('reads rows from an async source (a database cursor) the same way', async () => {
    const rows = clone(buildRows(TENANT_A, N));
    rows[7]!.bytes = utf8('edited');
    async function* cursor() {
      for (const r of rows) yield r;
    }
    const r = await verifyChainAsync(cursor(), { start });
    expect(codes(r)).toEqual(['EVENT_DIGEST_MISMATCH@7']);
  });

  it('uses worker-computed digests when given, and catches a wrong one', () => {
    const rows = buildRows(TENANT_A, 5).map((r) => ({ ...r, computedDigest: eventDigest(b3, r.bytes) }));
    expect(verify(rows).ok).toBe(true);
    rows[2]!.computedDigest = eventDigest(b3, utf8('something else'));
    expect(codes(verify(rows))).toEqual(['EVENT_DIGEST_MISMATCH@2']);
  });
});

describe('ChainVerifier on tampered chains: one break, one issue, located', () => {
  it('modified payload (digest and hash left alone): EVENT_DIGEST_MISMATCH at that seq only', () => {
    const rows = clone(buildRows(TENANT_A, N));
    rows[17]!.bytes = eventBytes(TENANT_A, 17, '-edited');
    const r = verify(rows);
    expect(codes(r)).toEqual(['EVENT_DIGEST_MISMATCH@17']);
    expect(r.errors[0]!.details.found).toBe(toHex(rows[17]!.digest));
    expect(r.errors[0]!.details.expected).toBe(toHex(eventDigest(b3, rows[17]!.bytes)));
  });

  it('modified payload with its digest recomputed: CHAIN_LINK_MISMATCH at that seq only', () => {
    const rows = clone(buildRows(TENANT_A, N));
    rows[17]!.bytes = eventBytes(TENANT_A, 17, '-edited');
    rows[17]!.digest = eventDigest(b3, rows[17]!.bytes);
    const r = verify(rows);
    expect(codes(r)).toEqual(['CHAIN_LINK_MISMATCH@17']);
    expect(r.errors[0]!.details.found).toBe(toHex(rows[17]!.hash));
    expect(r.errors[0]!.details.expected).toBe(toHex(chainLink(b3, 17, rows[16]!.hash, rows[17]!.digest)));
  });

  it('a row rewritten consistently (payload, digest and hash): the next link breaks', () => {
    const rows = clone(buildRows(TENANT_A, N));
    rows[17]!.bytes = eventBytes(TENANT_A, 17, '-edited');
    rows[17]!.digest = eventDigest(b3, rows[17]!.bytes);
    rows[17]!.hash = chainLink(b3, 17, rows[16]!.hash, rows[17]!.digest);
    expect(codes(verify(rows))).toEqual(['CHAIN_LINK_MISMATCH@18']);
  });

  it('the tail rewritten consistently links perfectly: only an anchor exposes it', () => {
    const rows = clone(buildRows(TENANT_A, N));
    const forged = new ChainBuilder(b3, { seq: 20, prevHash: rows[19]!.hash });
    for (let i = 20; i < N; i++) {
      const bytes = eventBytes(TENANT_A, i, '-forged');
      const e = forged.append(bytes);
      rows[i] = { seq: i, bytes, digest: e.digest, hash: e.hash };
    }
    expect(verify(rows).ok).toBe(true);
    const original = buildRows(TENANT_A, N);
    const r = verify(rows, [{ seq: 29, hash: original[29]!.hash }]);
    expect(codes(r)).toEqual(['ANCHOR_MISMATCH@29']);
    expect(r.errors[0]!.details.expected).toBe(toHex(original[29]!.hash));
  });

  it('deleted event: SEQ_GAP naming the missing seq', () => {
    const rows = buildRows(TENANT_A, N).filter((r) => r.seq !== 12);
    const r = verify(rows);
    expect(codes(r)).toEqual(['SEQ_GAP@12']);
    expect(r.errors[0]!.details).toMatchObject({ count: 1, lastSeq: 12, found: '13' });
    expect(r.size).toBe(N);
  });

  it('deleted events, then the later rows renumbered to hide the gap: one SEQ_RENUMBERED', () => {
    const rows = buildRows(TENANT_A, N)
      .filter((r) => r.seq !== 12 && r.seq !== 13)
      .map((r) => (r.seq > 13 ? { ...r, seq: r.seq - 2 } : r));
    const r = verify(rows);
    expect(codes(r)).toEqual(['SEQ_RENUMBERED@12']);
    expect(r.errors[0]!.details).toMatchObject({ delta: 2, count: 2 });
    expect(r.size).toBe(N);
  });

  it('inserted event with a duplicate seq (forged properly, either order): SEQ_DUPLICATE only', () => {
    const rows = buildRows(TENANT_A, N);
    const bytes = eventBytes(TENANT_A, 9, '-inserted');
    const digest = eventDigest(b3, bytes);
    const forged: ChainRow = { seq: 9, bytes, digest, hash: chainLink(b3, 9, rows[8]!.hash, digest) };
    const after = [...rows.slice(0, 10), forged, ...rows.slice(10)];
    const before = [...rows.slice(0, 9), forged, ...rows.slice(9)];
    expect(codes(verify(after))).toEqual(['SEQ_DUPLICATE@9']);
    expect(codes(verify(before))).toEqual(['SEQ_DUPLICATE@9']);
    expect(verify(before).size).toBe(N);
  });

  it('inserted event with a duplicate seq and a garbage hash (either order): SEQ_DUPLICATE only', () => {
    const rows = buildRows(TENANT_A, N);
    const bytes = eventBytes(TENANT_A, 9, '-inserted');
    const forged: ChainRow = { seq: 9, bytes, digest: eventDigest(b3, bytes), hash: new Uint8Array(32).fill(7) };
    expect(codes(verify([...rows.slice(0, 10), forged, ...rows.slice(10)]))).toEqual(['SEQ_DUPLICATE@9']);
    expect(codes(verify([...rows.slice(0, 9), forged, ...rows.slice(9)]))).toEqual(['SEQ_DUPLICATE@9']);
  });

  it('inserted event with the later rows renumbered: EVENT_INSERTED, then SEQ_RENUMBERED', () => {
    const rows = buildRows(TENANT_A, N);
    const bytes = eventBytes(TENANT_A, 9, '-inserted');
    const digest = eventDigest(b3, bytes);
    for (const hash of [chainLink(b3, 9, rows[8]!.hash, digest), new Uint8Array(32).fill(1)]) {
      const forged: ChainRow = { seq: 9, bytes, digest, hash };
      const tampered = [...rows.slice(0, 9), forged, ...rows.slice(9).map((r) => ({ ...r, seq: r.seq + 1 }))];
      const r = verify(tampered);
      expect(codes(r)).toEqual(['EVENT_INSERTED@9', 'SEQ_RENUMBERED@10']);
      expect(r.errors[1]!.details.delta).toBe(-1);
      expect(r.size).toBe(N);
    }
  });

  it('several forged events inserted (hashes chained properly) and the rest shifted: one EVENT_INSERTED with the count', () => {
    const rows = buildRows(TENANT_A, N);
    const forger = new ChainBuilder(b3, { seq: 9, prevHash: rows[8]!.hash });
    const forged = [0, 1, 2].map((k) => {
      const bytes = eventBytes(TENANT_A, 9 + k, '-forged');
      return { ...forger.append(bytes), bytes };
    });
    const tampered = [...rows.slice(0, 9), ...forged, ...rows.slice(9).map((r) => ({ ...r, seq: r.seq + 3 }))];
    const r = verify(tampered);
    expect(codes(r)).toEqual(['EVENT_INSERTED@9', 'SEQ_RENUMBERED@12']);
    expect(r.errors[0]!.details).toMatchObject({ count: 3, lastSeq: 11 });
    expect(r.errors[1]!.details.delta).toBe(-3);
    expect(r.size).toBe(N);
  });

  it('two rows that swapped seqs: one SEQ_SWAPPED', () => {
    const rows = clone(buildRows(TENANT_A, N));
    const a = rows[21]!;
    const b = rows[22]!;
    const tampered = [...rows.slice(0, 21), { ...b, seq: 21 }, { ...a, seq: 22 }, ...rows.slice(23)];
    const r = verify(tampered);
    expect(codes(r)).toEqual(['SEQ_SWAPPED@21']);
    expect(r.errors[0]!.details).toMatchObject({ lastSeq: 22, count: 2 });
    expect(r.size).toBe(N);
  });

  it('rows delivered out of order: SEQ_OUT_OF_ORDER for the late one', () => {
    const rows = buildRows(TENANT_A, N);
    const tampered = [...rows.slice(0, 21), rows[22]!, rows[21]!, ...rows.slice(23)];
    expect(codes(verify(tampered))).toEqual(['SEQ_GAP@21', 'SEQ_OUT_OF_ORDER@21']);
  });

  it('an event copied from another tenant at the same seq does not verify, even with identical bytes', () => {
    const same = (seq: number) => utf8(`{"id":"${seq}"}`);
    const a = buildRows(TENANT_A, N, same);
    const b = buildRows(TENANT_B, N, same);
    // Identical payloads give identical digests; only the tenant-bound genesis tells the chains apart.
    expect(toHex(a[0]!.digest)).toBe(toHex(b[0]!.digest));
    expect(toHex(a[0]!.hash)).not.toBe(toHex(b[0]!.hash));
    const copiedFirst = [b[0]!, ...a.slice(1)];
    expect(codes(verify(copiedFirst))).toEqual(['CHAIN_LINK_MISMATCH@0']);
    const copiedMiddle = [...a.slice(0, 15), b[15]!, ...a.slice(16)];
    const r = verify(copiedMiddle);
    expect(codes(r)).toEqual(['CHAIN_LINK_MISMATCH@15']);
    // Row 15 does not follow from 14, and 16 does not follow from the copy: one break, two rows.
    expect(r.errors[0]!.details).toMatchObject({ count: 2, lastSeq: 16 });
  });

  it("another tenant's whole chain presented as this tenant's breaks at seq 0 only", () => {
    expect(codes(verify(buildRows(TENANT_B, N)))).toEqual(['CHAIN_LINK_MISMATCH@0']);
  });

  it('truncated tail: CHAIN_TRUNCATED against the newest checkpoint; the uncheckpointed tail is a warning', () => {
    const rows = buildRows(TENANT_A, N);
    const anchors = [
      { seq: 9, hash: rows[9]!.hash },
      { seq: 29, hash: rows[29]!.hash },
    ];
    const full = verify(rows, anchors);
    expect(full.ok).toBe(true);
    expect(full.warnings.map((w) => [w.code, w.details.count])).toEqual([['TAIL_NOT_CHECKPOINTED', N - 30]]);
    const cut = verify(rows.slice(0, 25), anchors);
    expect(codes(cut)).toEqual(['CHAIN_TRUNCATED@25']);
    expect(cut.errors[0]!.details).toMatchObject({ count: 5, lastSeq: 29 });
    expect(cut.warnings).toEqual([]);
    expect(verify(rows.slice(0, 25)).ok).toBe(true); // without checkpoints a cut tail is invisible
  });

  it('a run of garbage hashes is one issue with its extent, and the chain resynchronises after it', () => {
    const rows = clone(buildRows(TENANT_A, N));
    for (let i = 5; i < 15; i++) rows[i]!.hash = new Uint8Array(32).fill(i);
    const r = verify(rows);
    expect(codes(r)).toEqual(['CHAIN_LINK_MISMATCH@5']);
    expect(r.errors[0]!.details).toMatchObject({ count: 11, lastSeq: 15 });
  });

  it('several independent breaks are each reported at their seq', () => {
    const rows = clone(buildRows(TENANT_A, N));
    rows[3]!.bytes = utf8('x');
    rows[20]!.hash = new Uint8Array(32);
    const r = verify(rows.filter((x) => x.seq !== 30));
    expect(codes(r)).toEqual(['EVENT_DIGEST_MISMATCH@3', 'CHAIN_LINK_MISMATCH@20', 'SEQ_GAP@30']);
  });

  it('malformed rows are reported, not thrown', () => {
    const rows = clone(buildRows(TENANT_A, 4));
    rows[2] = { ...rows[2]!, hash: new Uint8Array(31) };
    const r = verify(rows);
    expect(r.errors[0]!.code).toBe('ROW_MALFORMED');
    expect(r.ok).toBe(false);
  });

  it('caps the listed issues but still fails', () => {
    const rows = clone(buildRows(TENANT_A, 50));
    for (const r of rows) r.bytes = utf8('tampered');
    const r = verifyChain(rows, { start, maxIssues: 10 });
    expect(r.errors).toHaveLength(10);
    expect(r.omitted).toBe(40);
    expect(r.ok).toBe(false);
  });
});

describe('ChainVerifier against verified checkpoints (heads and Merkle roots)', () => {
  const rows = buildRows(TENANT_A, N);
  const tree = MerkleTree.fromLeaves(rows.map((r) => r.hash));
  const cp = (size: number): ChainCheckpoint => ({
    size,
    root: tree.root(size),
    head: size === 0 ? genesisHash(b3, TENANT_A) : rows[size - 1]!.hash,
  });
  const run = (rs: ChainRow[], checkpoints: ChainCheckpoint[], s: ChainStart = start) =>
    verifyChain(rs, { start: s, checkpoints });

  it('an intact chain matches every checkpoint root and head; the tail after the newest is a warning', () => {
    const r = run(rows, [cp(0), cp(1), cp(10), cp(25), cp(30)]);
    expect(r.errors).toEqual([]);
    expect(r.warnings.map((w) => `${w.code}:${w.details.count}`)).toEqual([`TAIL_NOT_CHECKPOINTED:${N - 30}`]);
    expect(run(rows, [cp(N)]).warnings).toEqual([]);
  });

  it('a checkpoint whose root is not the tree over the chain: CHECKPOINT_ROOT_MISMATCH at its last seq', () => {
    const other = MerkleTree.fromLeaves(buildRows(TENANT_B, N).map((r) => r.hash));
    const r = run(rows, [cp(10), { ...cp(25), root: other.root(25) }]);
    expect(codes(r)).toEqual(['CHECKPOINT_ROOT_MISMATCH@24']);
    expect(r.errors[0]!.details.expected).toBe(toHex(other.root(25)));
  });

  it("an empty-chain checkpoint must carry the empty root and this tenant's genesis as head", () => {
    expect(run(rows, [{ ...cp(0), head: genesisHash(b3, TENANT_B) }]).errors.map((e) => e.code)).toEqual([
      'ANCHOR_MISMATCH',
    ]);
    expect(run(rows, [{ ...cp(0), root: tree.root(1) }]).errors.map((e) => e.code)).toEqual([
      'CHECKPOINT_ROOT_MISMATCH',
    ]);
  });

  it('the tail rewritten after a checkpoint is caught by the next one, and a cut tail by the newest', () => {
    const forged = clone(rows);
    forged[33] = { ...forged[33]!, bytes: utf8('forged'), digest: eventDigest(b3, utf8('forged')) };
    const b = new ChainBuilder(b3, { seq: 33, prevHash: forged[32]!.hash });
    for (let i = 33; i < N; i++) forged[i] = { ...forged[i]!, ...b.appendDigest(forged[i]!.digest) };
    expect(codes(run(forged, [cp(30), cp(N)]))).toEqual(['ANCHOR_MISMATCH@39', 'CHECKPOINT_ROOT_MISMATCH@39']);
    expect(codes(run(rows.slice(0, 35), [cp(30), cp(N)]))).toEqual(['CHAIN_TRUNCATED@35']);
  });

  it('after a gap the roots cannot be recomputed: a warning says so, next to the error', () => {
    const r = run(
      rows.filter((x) => x.seq !== 5),
      [cp(10), cp(25)],
    );
    expect(codes(r)).toEqual(['SEQ_GAP@5']);
    expect(r.warnings.map((w) => `${w.code}:${w.details.count}`)).toEqual([
      'CHECKPOINT_ROOT_UNCHECKED:2',
      `TAIL_NOT_CHECKPOINTED:${N - 25}`,
    ]);
  });

  it('a segment checks roots when given the frontier before it, and warns when not', () => {
    const before = new MerkleFrontier();
    for (const x of rows.slice(0, 20)) before.append(x.hash);
    const seg = rows.slice(20);
    const withFrontier = run(seg, [cp(10), cp(25), cp(N)], {
      seq: 20,
      prevHash: rows[19]!.hash,
      frontier: before.state(),
    });
    expect(withFrontier.errors).toEqual([]);
    expect(withFrontier.warnings).toEqual([]);
    const bad = run(seg, [{ ...cp(25), root: tree.root(24) }], {
      seq: 20,
      prevHash: rows[19]!.hash,
      frontier: before.state(),
    });
    expect(codes(bad)).toEqual(['CHECKPOINT_ROOT_MISMATCH@24']);
    const without = run(seg, [cp(25), cp(N)], { seq: 20, prevHash: rows[19]!.hash });
    expect(without.errors).toEqual([]);
    expect(without.warnings.map((w) => `${w.code}:${w.details.count}`)).toEqual(['CHECKPOINT_ROOT_UNCHECKED:2']);
  });
});
