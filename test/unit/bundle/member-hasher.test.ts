import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toHex } from '../../../shared/bytes';
import { eventRecordHeader } from '../../../shared/bundle';
import { eventDigest, nobleBlake3, type Blake3 } from '../../../shared/chain';
import {
  inlineMemberHasher,
  readFileShared,
  workerMemberHasher,
  type MemberStreamHasher,
} from '../../../electron/main/bundle/member-hasher';
import { verifyBundle, type VerifiedBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3, loadEventDigester } from '../../../electron/main/crypto/blake3';
import { chainBundle, reference } from './chain-bundle';

/**
 * The verifier hashes events.bin (SHA-256 and BLAKE3 of the member) in a worker thread and the
 * events' digests on its own thread with a hash-wasm instance of its own: both must give exactly
 * the digests of the reference implementations, and a verification must not depend on where the
 * hashing ran.
 */
let dir: string;
let b3: Blake3;
const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };
const enc = new TextEncoder();

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-member-hasher-'));
  b3 = await loadBlake3();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('member hashers', () => {
  it('the worker gives the reference SHA-256 and BLAKE3 for any chunking, also chunks above its 1 MiB buffers', async () => {
    const data = new Uint8Array(randomBytes(3 * (1 << 20) + 12345));
    for (const cuts of [[0], [1, 1000, 65536, 2 << 20], [(1 << 20) - 1, (1 << 20) + 1], [3 << 20]]) {
      const h = workerMemberHasher();
      let at = 0;
      for (const c of [...cuts, data.length]) {
        h.update(data.subarray(at, Math.max(at, c)));
        at = Math.max(at, c);
      }
      expect(await h.digest()).toEqual(reference(data));
    }
    const inline = inlineMemberHasher(b3);
    inline.update(data);
    expect(await inline.digest()).toEqual(reference(data));
  });

  it('interleaved streams keep their own state; an aborted stream does not disturb the next; the caller may reuse its buffer at once', async () => {
    const a = new Uint8Array(randomBytes(2 << 20));
    const b = new Uint8Array(randomBytes(5000));
    const ha = workerMemberHasher();
    const hb = workerMemberHasher();
    const hx = workerMemberHasher();
    const scratch = new Uint8Array(1 << 16);
    for (let i = 0; i < a.length; i += scratch.length) {
      scratch.set(a.subarray(i, i + scratch.length));
      ha.update(scratch);
      scratch.fill(0xee); // the hasher took a copy
      hx.update(a.subarray(i, i + 1000));
      if (i === 0) hb.update(b);
    }
    hx.abort();
    await ha.drain(0);
    expect(ha.inflight).toBe(0);
    expect(await hb.digest()).toEqual(reference(b));
    expect(await ha.digest()).toEqual(reference(a));
    const hc = workerMemberHasher();
    hc.update(b);
    expect(await hc.digest()).toEqual(reference(b));
  });

  it('the verifier’s event digest is the chain format’s d = BLAKE3("arx/event/v1" ‖ bytes)', async () => {
    const digest = await loadEventDigester();
    for (const n of [0, 1, 63, 64, 1023, 1024, 1025, 5000]) {
      const bytes = new Uint8Array(randomBytes(n));
      expect(toHex(digest(bytes))).toBe(toHex(eventDigest(nobleBlake3, bytes)));
    }
  });
});

/**
 * The worker's check of the event digests (hash-worker.ts: EventRecordScanner positions, d_i
 * computed from the record in place or from the scanner's copy of a record that spans chunks,
 * compared with the stored digest where it lies). Its tally must be exact: a missed mismatch
 * would let the verifier take a wrong stored digest as computed.
 */
describe('the hash worker’s event digest tally', () => {
  const MAX = 1 << 20;
  /** events.bin of `sizes.length` records (stored d correct), and where each record starts. */
  function eventsBin(sizes: number[]): { bin: Uint8Array; at: number[] } {
    const parts: Uint8Array[] = [];
    const at: number[] = [];
    let o = 0;
    sizes.forEach((n, i) => {
      const bytes = new Uint8Array(randomBytes(n));
      parts.push(
        eventRecordHeader(1000 + i, n, eventDigest(nobleBlake3, bytes), new Uint8Array(randomBytes(32))),
        bytes,
      );
      at.push(o);
      o += 76 + n;
    });
    return { bin: new Uint8Array(Buffer.concat(parts)), at };
  }
  // Sizes around the kernel's 16 KiB input buffer (16,372 = 16 KiB − the 12-byte tag), empty events, and many small ones.
  const sizes = [
    620,
    0,
    1,
    63,
    64,
    1024,
    16_372,
    16_373,
    40_000,
    ...Array.from({ length: 400 }, (_, i) => 200 + ((i * 7919) % 1500)),
    0,
    620,
  ];
  // For byte-sized chunks (a message each): the same classes, fewer small records (~100 KB).
  const few = [...sizes.slice(0, 9), ...sizes.slice(9, 40), 0, 620];

  /** Flips one bit of the stored d of records `digests` and one event byte of records `bytes`. */
  function tamper(bin: Uint8Array, at: number[], digests: number[], bytes: number[]): Uint8Array {
    const t = bin.slice();
    for (const r of digests) t[at[r]! + 12 + (r % 32)]! ^= 0x10;
    for (const r of bytes) t[at[r]! + 76 + Math.floor(((at[r + 1] ?? bin.length) - at[r]! - 76) / 2)]! ^= 0x01;
    return t;
  }

  async function tally(h: MemberStreamHasher, whole: Uint8Array) {
    const d = await h.digest();
    expect({ sha256: d.sha256, blake3: d.blake3 }).toEqual(reference(whole));
    return d.events;
  }

  /** Fed as copies (the `data` path), cut at `cuts()` bytes each. */
  async function copied(bin: Uint8Array, cuts: () => number) {
    const h = workerMemberHasher({ maxEventBytes: MAX });
    for (let o = 0, k = 0; o < bin.length; k++) {
      const n = Math.max(1, cuts());
      h.update(bin.subarray(o, o + n));
      o += n;
      if (k % 16 === 15) await h.drain(0); // each message carries a 1 MiB buffer, however few bytes
    }
    return tally(h, bin);
  }

  /** Fed in place from the file reader's shared slots (the `shared` path), each slot's bytes cut again at `cuts()`. */
  async function shared(bin: Uint8Array, cuts: () => number) {
    const file = join(dir, `events-${Math.random().toString(36).slice(2)}.bin`);
    writeFileSync(file, bin);
    const h = workerMemberHasher({ maxEventBytes: MAX });
    for await (const chunk of readFileShared(file)) {
      for (let o = 0; o < chunk.length;) {
        const n = Math.max(1, cuts());
        h.update(chunk.subarray(o, o + n));
        o += n;
      }
      await h.drain(4 << 20);
    }
    return tally(h, bin);
  }

  let seed = 11;
  const rand = (n: number) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  const chunkings: [string, () => number, number[]][] = [
    ['whole', () => 1 << 30, sizes],
    ['1-7 bytes', () => 1 + rand(7), few],
    ['random up to 3,000 bytes (odd offsets)', () => 1 + rand(3000), sizes],
    ['76 bytes (a header at a time)', () => 76, few],
  ];

  for (const [feed, how] of [
    ['copies', copied],
    ['shared slots', shared],
  ] as const) {
    for (const [name, cuts, list] of chunkings) {
      it(`${feed}, chunks of ${name}: every record checked, every changed digest and changed event counted`, async () => {
        const { bin, at } = eventsBin(list);
        const last = list.length - 1;
        expect(await how(bin, cuts)).toEqual({ checked: list.length, mismatches: 0 });
        // Changed stored digests and changed event bytes: first and last records, the large ones, an empty event's digest.
        const digests = [0, 1, 8, 20, last];
        const bytes = [2, 6, 7, 8, 30, last];
        expect(await how(tamper(bin, at, digests, bytes), cuts)).toEqual({ checked: list.length, mismatches: 9 }); // 8 and the last are in both lists
        // One record only, in turn each size class: the tally must move by exactly one.
        for (const r of [1, 3, 7, 8, 25]) {
          expect(await how(tamper(bin, at, [r], []), cuts)).toEqual({ checked: list.length, mismatches: 1 });
          if (list[r]! > 0)
            expect(await how(tamper(bin, at, [], [r]), cuts)).toEqual({ checked: list.length, mismatches: 1 });
        }
      }, 60_000);
    }
  }

  it('records that span the reader’s 1 MiB slots, in place and assembled: a changed digest on either side of every boundary is counted', async () => {
    // ~3.2 MiB of ~1 KB records: some record spans each slot boundary.
    const big = Array.from({ length: 3200 }, (_, i) => 900 + ((i * 131) % 300));
    const parts: Uint8Array[] = [];
    const at: number[] = [];
    let o = 0;
    big.forEach((n, i) => {
      const bytes = new Uint8Array(randomBytes(n));
      parts.push(eventRecordHeader(i, n, eventDigest(nobleBlake3, bytes), new Uint8Array(32)), bytes);
      at.push(o);
      o += 76 + n;
    });
    const bin = new Uint8Array(Buffer.concat(parts));
    // The records containing each 1 MiB boundary, and their neighbours.
    const spanning = [1, 2, 3].map((k) => at.findIndex((a, i) => a < k << 20 && a + 76 + big[i]! > k << 20));
    expect(spanning.every((r) => r > 0)).toBe(true);
    const hit = spanning.flatMap((r) => [r - 1, r, r + 1]);
    const t = bin.slice();
    for (const r of hit) t[at[r]! + 12]! ^= 0x80;
    for (const cuts of [() => 1 << 30, () => 1 + rand(5000)]) {
      expect(await shared(bin, cuts)).toEqual({ checked: big.length, mismatches: 0 });
      expect(await shared(t, cuts)).toEqual({ checked: big.length, mismatches: hit.length });
      expect(await copied(t, cuts)).toEqual({ checked: big.length, mismatches: hit.length });
    }
  }, 60_000);

  it('a malformed events.bin stops the check at the bad record (the verifier’s thread reports it), and the stream still ends with a digest', async () => {
    const { bin, at } = eventsBin(sizes);
    const t = tamper(bin, at, [2], [4]);
    // Cut inside record 300 (its header, then its bytes), and record 300 declaring more than the limit.
    for (const [name, bad] of [
      ['cut in the header', t.subarray(0, at[300]! + 30)],
      ['cut in the bytes', t.subarray(0, at[300]! + 76 + 5)],
      [
        'too large',
        (() => {
          const x = t.slice();
          new DataView(x.buffer).setUint32(at[300]! + 8, MAX + 1);
          return x;
        })(),
      ],
    ] as const) {
      for (const how of [copied, shared]) {
        expect(await how(bad, () => 1 + rand(3000)), name).toEqual({ checked: 300, mismatches: 2 });
      }
    }
  }, 60_000);
});

const findings = (r: VerifiedBundle, id: string) =>
  r.checks.find((c) => c.id === id)?.findings.map((f) => f.code) ?? [];

describe('verifyBundle: the same report whether events.bin is hashed in the worker (in place, in shared memory) or inline', () => {
  // ~42 MB: more than the 16 MiB the verifier lets be in flight, and more than the reader's ring of
  // 32 shared 1 MiB slots, so slots are refilled while the chain verifier still reads recent rows.
  it('an intact chain of 40,000 events (~42 MB), and the same with one event byte flipped', async () => {
    const count = 40_000;
    const intact = join(dir, 'intact.arxbundle');
    writeFileSync(intact, chainBundle(b3, count));
    const flipped = join(dir, 'flipped.arxbundle');
    // Inside the bytes of event 38,000: after the ring of slots went round.
    writeFileSync(
      flipped,
      chainBundle(b3, count, (ev, eventAt) => void (ev[eventAt[38_000]! + 10]! ^= 0x01)),
    );
    for (const file of [intact, flipped]) {
      const inWorker = await verifyBundle(file, { trust, blake3: b3 });
      const inline = await verifyBundle(file, { trust, blake3: b3, hashWorker: false });
      expect(inWorker).toEqual(inline);
      expect(inWorker.fatal).toBeNull();
      expect(inWorker.summary.events).toBe(count);
      expect(inWorker.checks.find((c) => c.id === 'chain')!.checked).toBe(count);
      if (file === intact) {
        expect(findings(inWorker, 'members')).toEqual([]);
        expect(findings(inWorker, 'chain')).toEqual([]);
      } else {
        expect(findings(inWorker, 'members')).toEqual(['BUNDLE_MEMBER_DIGEST_MISMATCH']);
        expect(findings(inWorker, 'chain')).toContain('EVENT_DIGEST_MISMATCH');
      }
    }
  }, 120_000);

  it('a bundle cut inside events.bin is BUNDLE_TRUNCATED with the worker, and the next verification is unaffected', async () => {
    const whole = chainBundle(b3, 3000);
    const cut = join(dir, 'cut.arxbundle');
    writeFileSync(cut, whole.subarray(0, 2 << 20));
    expect((await verifyBundle(cut, { trust, blake3: b3 })).fatal?.code).toBe('BUNDLE_TRUNCATED');
    const ok = join(dir, 'ok.arxbundle');
    writeFileSync(ok, whole);
    const r = await verifyBundle(ok, { trust, blake3: b3 });
    expect(r.fatal).toBeNull();
    expect(findings(r, 'members')).toEqual([]);
  }, 60_000);

  it('a changed stored digest (bytes intact), and decision events that are not JSON — inside a chunk and across a chunk boundary — give the one-thread findings', async () => {
    const count = 3000;
    // events.bin's bytes start at file offset 2560 (two small members before it); the reader reads 1 MiB at a time.
    const FIRST = 2560;
    const notJson = (i: number, pad: number) =>
      enc.encode(`{"type":"com.arx.policy.decided","seq":${i},"data":{"x":"${'y'.repeat(pad)}"}`); // no closing brace
    let across = -1;
    const special = (i: number, at: number): Uint8Array | undefined => {
      if (i === 10 || i === 2000) return notJson(i, 900);
      if (i === 11)
        return enc.encode(JSON.stringify({ type: 'com.arx.policy.decided', seq: i, data: { x: 'y'.repeat(900) } }));
      const body = FIRST + at + 76;
      if (across < 0 && body < 1 << 20 && body + 2500 > 1 << 20) {
        across = i; // its bytes run from before the first 1 MiB boundary to after it
        return notJson(i, (1 << 20) - body + 100);
      }
      return undefined;
    };
    const file = join(dir, 'digest-and-json.arxbundle');
    writeFileSync(
      file,
      chainBundle(b3, count, (ev, eventAt) => void (ev[eventAt[2500]! - 64]! ^= 0x01), special),
    ); // flips the stored d of event 2500 (in its record header)
    expect(across).toBeGreaterThan(11);
    expect(across).toBeLessThan(2000);
    for (const replayDecisions of [false, true]) {
      const inWorker = await verifyBundle(file, { trust, blake3: b3, replayDecisions });
      const inline = await verifyBundle(file, { trust, blake3: b3, hashWorker: false, replayDecisions });
      expect(inWorker).toEqual(inline);
      expect(findings(inWorker, 'chain')).toEqual(['EVENT_DIGEST_MISMATCH']);
      expect(inWorker.checks.find((c) => c.id === 'chain')!.findings[0]!.location.seq).toBe(2500);
      const malformed = inWorker.checks
        .find((c) => c.id === 'decisions')!
        .findings.filter((f) => f.code === 'EVENTS_MALFORMED');
      expect(malformed.map((f) => f.location.seq)).toEqual([10, across, 2000]);
    }
  }, 120_000);
});
