import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { blake3 } from '@noble/hashes/blake3.js';
import { toHex } from '../../../shared/bytes';
import { BUNDLE_MAGIC_TEXT, END_OF_ARCHIVE, eventRecordHeader, padding, ustarHeader } from '../../../shared/bundle';
import { ChainBuilder, eventDigest, nobleBlake3, type Blake3 } from '../../../shared/chain';
import { inlineMemberHasher, loadEventDigester, workerMemberHasher } from '../../../electron/main/bundle/member-hasher';
import { verifyBundle, type VerifiedBundle } from '../../../electron/main/bundle/verify';
import { loadWasmBlake3 } from '../../../electron/main/chain/wasm-blake3';

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
const TENANT = '3f2504e0-4f89-41d3-9a0c-0305e82c3301';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-member-hasher-'));
  b3 = await loadWasmBlake3();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const reference = (data: Uint8Array) => ({ sha256: createHash('sha256').update(data).digest('hex'), blake3: toHex(blake3(data)) });

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

/** A structurally sound, unsigned bundle whose events.bin is a real chain of `count` events of ~1 KB. */
function chainBundle(count: number, mutate?: (events: Uint8Array, eventAt: number[]) => void, eventBytes?: (i: number, at: number) => Uint8Array | undefined): Buffer {
  const chain = new ChainBuilder(b3, { tenantId: TENANT });
  const parts: Uint8Array[] = [];
  const eventAt: number[] = [];
  let at = 0;
  let last = '';
  for (let i = 0; i < count; i++) {
    const bytes = eventBytes?.(i, at) ?? enc.encode(JSON.stringify({ arxtenant: TENANT, seq: i, type: 'com.arx.test', data: 'x'.repeat(900 + (i % 200)) }));
    const e = chain.append(bytes);
    parts.push(eventRecordHeader(e.seq, bytes.length, e.digest, e.hash), bytes);
    eventAt.push(at + 76);
    at += 76 + bytes.length;
    last = toHex(e.hash);
  }
  const events = new Uint8Array(Buffer.concat(parts));
  const genesis = toHex(new ChainBuilder(nobleBlake3, { tenantId: TENANT }).head.hash);
  const range = { tenantId: TENANT, tenantSlug: 't', from: 0, to: count - 1, count, prevHash: genesis, lastHash: last, review: null };
  const body: [string, Uint8Array][] = [
    ['ARX-BUNDLE', enc.encode(BUNDLE_MAGIC_TEXT)],
    ['range.json', enc.encode(JSON.stringify(range))],
    ['events.bin', events],
  ];
  const members = body.map(([name, d]) => ({ name, size: d.length, ...reference(d) }));
  mutate?.(events, eventAt);
  const manifest = { format: 'arx-bundle', version: 1, createdAt: '2026-11-25T00:00:00.000Z', tenant: { id: TENANT, slug: 't' }, range: { from: 0, to: count - 1, count }, review: null, exporter: { operatorId: 'x', edipi: '1', displayName: 'x', loginCertificateSha256: '00'.repeat(32) }, members };
  const member = (name: string, d: Uint8Array) => [ustarHeader(name, d.length), d, new Uint8Array(padding(d.length))];
  return Buffer.concat([...body.flatMap(([k, d]) => member(k, d)), ...member('manifest.json', enc.encode(JSON.stringify(manifest))), ...member('manifest.dsse.json', enc.encode('{}')), ...member('manifest-signer.der', enc.encode('x')), END_OF_ARCHIVE]);
}

const findings = (r: VerifiedBundle, id: string) => r.checks.find((c) => c.id === id)?.findings.map((f) => f.code) ?? [];

describe('verifyBundle: the same report whether events.bin is hashed in the worker (in place, in shared memory) or inline', () => {
  // ~42 MB: more than the 16 MiB the verifier lets be in flight, and more than the reader's ring of
  // 32 shared 1 MiB slots, so slots are refilled while the chain verifier still reads recent rows.
  it('an intact chain of 40,000 events (~42 MB), and the same with one event byte flipped', async () => {
    const count = 40_000;
    const intact = join(dir, 'intact.arxbundle');
    writeFileSync(intact, chainBundle(count));
    const flipped = join(dir, 'flipped.arxbundle');
    // Inside the bytes of event 38,000: after the ring of slots went round.
    writeFileSync(flipped, chainBundle(count, (ev, eventAt) => void (ev[eventAt[38_000]! + 10]! ^= 0x01)));
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
    const whole = chainBundle(3000);
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
    const notJson = (i: number, pad: number) => enc.encode(`{"type":"com.arx.policy.decided","seq":${i},"data":{"x":"${'y'.repeat(pad)}"}`); // no closing brace
    let across = -1;
    const special = (i: number, at: number): Uint8Array | undefined => {
      if (i === 10 || i === 2000) return notJson(i, 900);
      if (i === 11) return enc.encode(JSON.stringify({ type: 'com.arx.policy.decided', seq: i, data: { x: 'y'.repeat(900) } }));
      const body = FIRST + at + 76;
      if (across < 0 && body < 1 << 20 && body + 2500 > 1 << 20) {
        across = i; // its bytes run from before the first 1 MiB boundary to after it
        return notJson(i, (1 << 20) - body + 100);
      }
      return undefined;
    };
    const file = join(dir, 'digest-and-json.arxbundle');
    writeFileSync(file, chainBundle(count, (ev, eventAt) => void (ev[eventAt[2500]! - 64]! ^= 0x01), special)); // flips the stored d of event 2500 (in its record header)
    expect(across).toBeGreaterThan(11);
    expect(across).toBeLessThan(2000);
    for (const replayDecisions of [false, true]) {
      const inWorker = await verifyBundle(file, { trust, blake3: b3, replayDecisions });
      const inline = await verifyBundle(file, { trust, blake3: b3, hashWorker: false, replayDecisions });
      expect(inWorker).toEqual(inline);
      expect(findings(inWorker, 'chain')).toEqual(['EVENT_DIGEST_MISMATCH']);
      expect(inWorker.checks.find((c) => c.id === 'chain')!.findings[0]!.location.seq).toBe(2500);
      const malformed = inWorker.checks.find((c) => c.id === 'decisions')!.findings.filter((f) => f.code === 'EVENTS_MALFORMED');
      expect(malformed.map((f) => f.location.seq)).toEqual([10, across, 2000]);
    }
  }, 120_000);
});
