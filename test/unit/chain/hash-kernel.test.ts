import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  chainLink,
  eventDigest,
  nobleBlake3,
  verifyChain,
  type ChainCheckpoint,
  type ChainRow,
} from '../../../shared/chain';
import { defaultMerkleHasher, MerkleFrontier } from '../../../shared/merkle';
import { tupleBlocks } from '../../../electron/main/chain/copy-rows';
import { DigestPool } from '../../../electron/main/chain/digest-pool';
import { loadBlake3, loadHashKernel } from '../../../electron/main/crypto/blake3';
import { checkedWasm } from '../../../electron/main/crypto/hash-kernel';
import { ChainStreamVerifier } from '../../../electron/main/chain/stream-verifier';
import { buildRows, clone, eventBytes, TENANT_A, TENANT_B } from './fixtures';

/**
 * The verification engine's fast path (hash-kernel.ts, copy-rows.ts's framing,
 * stream-verifier.ts) must give exactly what shared/chain gives on its own: the same hashes, the
 * same rows out of any chunking of the COPY stream, and the same report for intact and tampered chains.
 */
let seed = 7;
const rand = (n: number) => {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return seed % n;
};
const bytes = (n: number) => Uint8Array.from({ length: n }, () => rand(256));

describe('hash kernel (hash-wasm WASM driven directly)', () => {
  it('BLAKE3 hash and hashParts equal @noble/hashes and hash-wasm, across the 16 KiB buffer', async () => {
    const k = await loadHashKernel();
    const wasm = await loadBlake3();
    for (const n of [0, 1, 12, 63, 64, 65, 84, 1023, 1024, 1025, 16_383, 16_384, 16_385, 40_000]) {
      const x = bytes(n);
      expect(k.blake3.hash(x)).toEqual(nobleBlake3.hash(x));
      expect(k.blake3.hash(x)).toEqual(wasm.hash(x));
      const cut = rand(n + 1);
      expect(k.blake3.hashParts([x.subarray(0, cut), x.subarray(cut)])).toEqual(nobleBlake3.hash(x));
    }
  });

  it('event digests and chain links equal shared/chain/format.ts, and compare in place', async () => {
    const k = await loadHashKernel();
    for (const n of [0, 1, 600, 16_372, 16_373, 20_000]) {
      const ev = bytes(n);
      const framed = new Uint8Array(n + 10);
      framed.set(ev, 5);
      k.eventDigest(framed, 5, n);
      const d = eventDigest(nobleBlake3, ev);
      expect(k.outCopy()).toEqual(d);
      const stored = new Uint8Array(40);
      stored.set(d, 3);
      expect(k.outEquals(stored, 3)).toBe(true);
      stored[34] = stored[34]! ^ 1;
      expect(k.outEquals(stored, 3)).toBe(false);
    }
    for (const seq of [0, 1, 255, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 3, Number.MAX_SAFE_INTEGER]) {
      const prev = bytes(32);
      const d = bytes(32);
      k.chainLink(seq, prev, d);
      expect(k.outCopy()).toEqual(chainLink(nobleBlake3, seq, prev, d));
    }
  });

  it('eventDigestMatches: the same d as eventDigest for events read in order from one buffer (in shared memory too), around its 8 KiB window and the 16 KiB buffer', async () => {
    const k = await loadHashKernel();
    // Records laid out as in events.bin (a 76-byte header, d at +12, then the bytes), sizes around the window (8,180 = 8 KiB − the tag) and the buffer.
    const sizes = [
      0,
      1,
      620,
      8179,
      8180,
      8181,
      5,
      16_372,
      16_373,
      700,
      40_000,
      3,
      ...Array.from({ length: 300 }, () => rand(2000)),
    ];
    const total = sizes.reduce((a, n) => a + 76 + n, 0);
    for (const shared of [false, true]) {
      const buf = new Uint8Array(shared ? new SharedArrayBuffer(total + 3) : new ArrayBuffer(total + 3)).subarray(3); // odd offset
      const at: number[] = [];
      let o = 0;
      for (const n of sizes) {
        at.push(o);
        const ev = bytes(n);
        buf.set(ev, o + 76);
        buf.set(eventDigest(nobleBlake3, ev), o + 12);
        o += 76 + n;
      }
      k.restage();
      sizes.forEach((n, i) => expect(k.eventDigestMatches(buf, at[i]! + 76, n, buf, at[i]! + 12)).toBe(true));
      // A changed stored digest, and a changed event byte, each exactly where it is.
      for (const i of [0, 2, 4, 5, 7, 8, 10, 100, sizes.length - 1]) {
        buf[at[i]! + 12 + (i % 32)]! ^= 0x04;
        expect(k.eventDigestMatches(buf, at[i]! + 76, sizes[i]!, buf, at[i]! + 12)).toBe(false);
        buf[at[i]! + 12 + (i % 32)]! ^= 0x04;
        expect(k.eventDigestMatches(buf, at[i]! + 76, sizes[i]!, buf, at[i]! + 12)).toBe(true);
      }
      // Backwards and at random: the window is taken again where needed.
      for (let j = 0; j < 200; j++) {
        const i = rand(sizes.length);
        expect(k.eventDigestMatches(buf, at[i]! + 76, sizes[i]!, buf, at[i]! + 12)).toBe(true);
      }
      // The buffer refilled with other records at the same offsets: restage() drops the window.
      const i = 20;
      expect(k.eventDigestMatches(buf, at[i]! + 76, sizes[i]!, buf, at[i]! + 12)).toBe(true);
      const ev = bytes(sizes[i]!);
      buf.set(ev, at[i]! + 76);
      buf.set(eventDigest(nobleBlake3, ev), at[i]! + 12);
      k.restage();
      expect(k.eventDigestMatches(buf, at[i]! + 76, sizes[i]!, buf, at[i]! + 12)).toBe(true);
    }
  });

  it('eventDigestMatches leaves the output of eventDigest and chainLink alone', async () => {
    const k = await loadHashKernel();
    const ev = bytes(600);
    k.eventDigest(ev, 0, ev.length);
    const d = k.outCopy();
    const rec = new Uint8Array(76 + 300);
    rec.set(bytes(300), 76);
    rec.set(eventDigest(nobleBlake3, rec.subarray(76)), 12);
    k.restage();
    expect(k.eventDigestMatches(rec, 76, 300, rec, 12)).toBe(true);
    expect(k.outCopy()).toEqual(d);
    expect(k.outEquals(d, 0)).toBe(true);
    // And the other way: eventDigest between two eventDigestMatches of one window.
    expect(k.eventDigestMatches(rec, 76, 300, rec, 12)).toBe(true);
    k.eventDigest(ev, 0, ev.length);
    expect(k.eventDigestMatches(rec, 76, 300, rec, 12)).toBe(true);
  });

  it('RFC 9162 leaf and node hashes equal shared/merkle, one by one and by level', async () => {
    const k = await loadHashKernel();
    const leaves = bytes(32 * 8);
    const out = new Uint8Array(32 * 8);
    k.leafHashesInto(leaves, 8, out);
    for (let i = 0; i < 8; i++) {
      const leaf = leaves.subarray(32 * i, 32 * i + 32);
      expect(k.leafHash(leaf)).toEqual(defaultMerkleHasher.leafHash(leaf));
      expect(out.subarray(32 * i, 32 * i + 32)).toEqual(defaultMerkleHasher.leafHash(leaf));
    }
    const up = new Uint8Array(32 * 4);
    k.nodeLevelInto(out, 8, up);
    for (let i = 0; i < 4; i++) {
      const want = defaultMerkleHasher.nodeHash(
        out.subarray(64 * i, 64 * i + 32),
        out.subarray(64 * i + 32, 64 * i + 64),
      );
      expect(k.nodeHash(out.subarray(64 * i, 64 * i + 32), out.subarray(64 * i + 32, 64 * i + 64))).toEqual(want);
      expect(up.subarray(32 * i, 32 * i + 32)).toEqual(want);
    }
    expect(() => k.nodeHash(new Uint8Array(31), new Uint8Array(32))).toThrow(RangeError);
  });
});

/** The binary COPY stream PostgreSQL sends for (seq, bytes, event_digest, chain_hash). */
function copyStream(rows: ChainRow[], trailer = true): Uint8Array {
  const parts: Uint8Array[] = [
    Uint8Array.from([...Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1'), 0, 0, 0, 0, 0, 0, 0, 0]),
  ];
  const u32 = (n: number) => Uint8Array.from([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
  for (const r of rows) {
    parts.push(Uint8Array.of(0, 4), u32(8), u32(Math.floor(r.seq / 2 ** 32)), u32(r.seq >>> 0));
    for (const f of [r.bytes, r.digest, r.hash]) parts.push(u32(f.length), f);
  }
  if (trailer) parts.push(Uint8Array.of(0xff, 0xff));
  return Buffer.concat(parts);
}

async function* chunked(all: Uint8Array, sizes: () => number) {
  for (let o = 0; o < all.length;) {
    const n = Math.max(1, sizes());
    yield all.subarray(o, o + n);
    o += n;
  }
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

async function streamed(rows: ChainRow[], checkpoints: ChainCheckpoint[], sizes: () => number, maxRows: number) {
  const k = await loadHashKernel();
  const sv = new ChainStreamVerifier({ tenantId: TENANT_A, start: { tenantId: TENANT_A }, checkpoints }, k);
  let n = 0;
  for await (const b of tupleBlocks(chunked(copyStream(rows), sizes), 4, maxRows, 1 << 20)) {
    n += b.rows;
    sv.push(b.bytes);
  }
  return { n, result: sv.finish() };
}

const good = buildRows(TENANT_A, 300);
const cps = checkpointsOf(good, [100, 200, 250]);
const tampers: Record<string, (r: ChainRow[]) => ChainRow[]> = {
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
  'short digest': (r) => {
    r[160] = { ...r[160]!, digest: r[160]!.digest.subarray(0, 31) };
    return r;
  },
  truncated: (r) => r.slice(0, 240),
  'renumbered after a deletion': (r) =>
    r.filter((x) => x.seq !== 180).map((x) => (x.seq > 180 ? { ...x, seq: x.seq - 1 } : x)),
  inserted: (r) => [...r.slice(0, 90), { ...r[95]!, seq: 90 }, ...r.slice(90).map((x) => ({ ...x, seq: x.seq + 1 }))],
};

describe('ChainStreamVerifier over framed COPY blocks', () => {
  for (const [name, tamper] of Object.entries(tampers)) {
    it(`${name}: the same report as verifyChain alone`, async () => {
      const rows = tamper(clone(good));
      const plain = verifyChain(rows, { start: { tenantId: TENANT_A }, checkpoints: cps });
      const { n, result } = await streamed(rows, cps, () => 1 + rand(700), 7);
      expect(n).toBe(rows.length);
      expect(result.rows).toBe(rows.length);
      expect(result.report).toEqual(plain);
      // The fixtures' events name no tenant (that check is the last test).
      expect(result.foreign.count).toBe(rows.length);
      expect(plain.ok).toBe(name === 'intact');
    });
  }

  // The engine frames into one reused buffer and the worker verifies in place in a ring slot that
  // is refilled after its acknowledgement: nothing of a block may be relied on after push().
  for (const [name, tamper] of Object.entries(tampers)) {
    it(`${name}, blocks of 1-3 rows in one reused buffer scribbled over after each push: the same report`, async () => {
      const rows = tamper(clone(good));
      const plain = verifyChain(rows, { start: { tenantId: TENANT_A }, checkpoints: cps });
      const k = await loadHashKernel();
      const sv = new ChainStreamVerifier({ tenantId: TENANT_A, start: { tenantId: TENANT_A }, checkpoints: cps }, k);
      let n = 0;
      let buffer: ArrayBufferLike | null = null;
      for await (const b of tupleBlocks(
        chunked(copyStream(rows), () => 1 + rand(3000)),
        4,
        1 + rand(3),
        1 << 20,
        true,
      )) {
        buffer ??= b.bytes.buffer;
        expect(b.bytes.buffer).toBe(buffer); // reused, not a buffer per block
        n += b.rows;
        sv.push(b.bytes);
        b.bytes.fill(0xaa);
      }
      const result = sv.finish();
      expect(n).toBe(rows.length);
      expect(result.report).toEqual(plain);
    });
  }

  it('through a worker: ring slots refilled after each acknowledgement, blocks larger than a slot and blocks with every slot busy in buffers of their own', async () => {
    const pool = new DigestPool(1);
    try {
      let big = 0;
      let small = 0;
      for (const [name, maxRows] of [
        ['intact', 9],
        ['swapped', 2],
        ['inserted', 6],
        ['renumbered after a deletion', 4],
      ] as const) {
        const rows = tampers[name]!(clone(good));
        const plain = verifyChain(rows, { start: { tenantId: TENANT_A }, checkpoints: cps });
        // Two slots of 2 KiB: blocks of 2-9 rows of ~400 bytes are sometimes larger than a slot;
        // up to three blocks are sent before waiting, so sometimes no slot is free.
        const stream = pool.open({ tenantId: TENANT_A, start: { tenantId: TENANT_A }, checkpoints: cps }, () => {}, {
          slots: 2,
          slotBytes: 2048,
        });
        for await (const b of tupleBlocks(
          chunked(copyStream(rows), () => 1 + rand(3000)),
          4,
          maxRows,
          1 << 20,
          true,
        )) {
          await stream.below(3);
          if (b.bytes.length > 2048) big++;
          else small++;
          stream.send(b.bytes);
          b.bytes.fill(0xaa); // the framing buffer is reused: send must have copied
        }
        const result = await stream.finish();
        expect(result.rows).toBe(rows.length);
        expect(result.report).toEqual(plain);
      }
      expect([big > 0, small > 0]).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });

  it('any chunking gives the same blocks of whole tuples (byte by byte, and all at once)', async () => {
    const rows = good.slice(0, 40);
    for (const sizes of [() => 1, () => 2, () => 1 << 20, () => 1 + rand(100)]) {
      const { n, result } = await streamed(rows, [], sizes, 3);
      expect(n).toBe(40);
      const reused: number[] = [];
      for await (const b of tupleBlocks(chunked(copyStream(rows), sizes), 4, 3, 1 << 20, true))
        reused.push(b.rows, b.bytes.length);
      const fresh: number[] = [];
      for await (const b of tupleBlocks(chunked(copyStream(rows), sizes), 4, 3, 1 << 20))
        fresh.push(b.rows, b.bytes.length);
      expect(reused).toEqual(fresh);
      expect(result.report.ok).toBe(true);
      expect([result.firstSeq, result.lastSeq, result.bytes]).toEqual([
        0,
        39,
        rows.reduce((a, r) => a + r.bytes.length, 0),
      ]);
    }
  });

  it('a stream without the COPY trailer is DB_UNREACHABLE, one without the signature INTERNAL', async () => {
    const cut = copyStream(good.slice(0, 5), false);
    await expect(async () => {
      for await (const _ of tupleBlocks(
        chunked(cut, () => 64),
        4,
        100,
        1 << 20,
      ))
        void _;
    }).rejects.toMatchObject({ code: 'DB_UNREACHABLE' });
    const bad = copyStream(good.slice(0, 5));
    bad[0] = 0x51;
    await expect(async () => {
      for await (const _ of tupleBlocks(
        chunked(bad, () => 64),
        4,
        100,
        1 << 20,
      ))
        void _;
    }).rejects.toMatchObject({ code: 'INTERNAL' });
  });

  it('events that do not name this tenant in their bytes are listed with the tenant they name', async () => {
    const rows = buildRows(TENANT_A, 30, (seq) => {
      const e = eventBytes(TENANT_A, seq);
      const t = seq === 12 ? TENANT_B : seq === 20 ? null : TENANT_A;
      const s = Buffer.from(e).toString('utf8');
      return Buffer.from(t === null ? s : s.replace('"data":', `"arxtenant":"${t}","data":`));
    });
    const { result } = await streamed(rows, [], () => 100, 8);
    expect(result.report.ok).toBe(true);
    expect(result.foreign).toEqual({
      count: 2,
      first: [
        { seq: 12, found: TENANT_B },
        { seq: 20, found: '(no tenant named)' },
      ],
    });
  });
});

describe('the vendored WebAssembly (vendor/hash-wasm)', () => {
  const file = (n: string) =>
    readFileSync(new URL(`../../../electron/main/crypto/vendor/hash-wasm/${n}.wasm`, import.meta.url));
  it('loads only with its pinned SHA-256: one changed byte is refused', () => {
    for (const name of ['blake3', 'sha256'] as const) {
      const bytes = file(name);
      expect(checkedWasm(name, bytes)).toBeInstanceOf(WebAssembly.Module);
      const changed = Uint8Array.from(bytes);
      changed[changed.length - 1]! ^= 1;
      expect(() => checkedWasm(name, changed)).toThrow(/SHA-256/);
    }
  });
});
