import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { ChainVerifier, type Blake3 } from '../../../shared/chain';
import { verifyBundle, type VerifiedBundle } from '../../../electron/main/bundle/verify';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { chainBundle } from './chain-bundle';

/**
 * The verifier checks an intact events.bin with IntactChain (no per-event objects) and, at the
 * first row it does not accept, stops and verifies again with ChainVerifier and every d_i computed
 * on its own thread. The report must not depend on which path ran: each case is compared with the
 * one-thread verification (no hash worker, ChainVerifier from the first row).
 */
let dir: string;
let b3: Blake3;
const trust = { store: { anchors: [], intermediates: [], crls: [] }, policy: {} };

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-intact-path-'));
  b3 = await loadBlake3();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
afterEach(() => vi.restoreAllMocks());

const chainFindings = (r: VerifiedBundle) =>
  r.checks.find((c) => c.id === 'chain')?.findings.map((f) => `${f.code}@${f.location.seq ?? ''}`) ?? [];
type Rows = Parameters<NonNullable<Parameters<typeof chainBundle>[4]>>[0];

describe('verifyBundle: the intact-chain path and its fall-back give the one-thread report', () => {
  const COUNT = 3000; // ~3 MB of events.bin: several 1 MiB reads, so tampers land past the first one
  const flip = (b: Uint8Array, i = 5) => {
    const c = b.slice();
    c[i]! ^= 0x10;
    return c;
  };
  const cases: [string, ((rows: Rows) => Rows) | null, string][] = [
    ['an intact chain', null, ''],
    [
      'a stored chain hash changed at seq 2500',
      (r) => ((r[2500] = { ...r[2500]!, hash: flip(r[2500]!.hash) }), r),
      'CHAIN_LINK_MISMATCH@2500',
    ],
    [
      'a stored digest and chain hash changed together at seq 1800 (the next link breaks)',
      (r) => ((r[1800] = { ...r[1800]!, digest: flip(r[1800]!.digest), hash: flip(r[1800]!.hash) }), r),
      'EVENT_DIGEST_MISMATCH@1800',
    ],
    [
      'seq 1500 deleted and the later rows renumbered',
      (r) => r.filter((x) => x.seq !== 1500).map((x) => (x.seq > 1500 ? { ...x, seq: x.seq - 1 } : x)),
      'SEQ_RENUMBERED@1500',
    ],
    ['seq 2200 deleted', (r) => r.filter((x) => x.seq !== 2200), 'SEQ_GAP@2200'],
    ['rows 1200 and 1201 swapped', (r) => (([r[1200], r[1201]] = [r[1201]!, r[1200]!]), r), 'SEQ_OUT_OF_ORDER@1200'],
    ['row 900 duplicated', (r) => (r.splice(900, 0, { ...r[900]! }), r), 'SEQ_DUPLICATE@900'],
  ];
  for (const [name, records, expected] of cases) {
    it(
      name,
      async () => {
        const file = join(dir, `${name.replace(/\W+/g, '-')}.arxbundle`);
        writeFileSync(file, chainBundle(b3, COUNT, undefined, undefined, records ?? undefined));
        const push = vi.spyOn(ChainVerifier.prototype, 'push');
        const fast = await verifyBundle(file, { trust, blake3: b3 });
        // Intact: ChainVerifier never ran (the fast path decided); tampered: it ran (the fall-back).
        if (records) expect(push).toHaveBeenCalled();
        else expect(push).not.toHaveBeenCalled();
        push.mockRestore();
        const oneThread = await verifyBundle(file, { trust, blake3: b3, hashWorker: false });
        const noFastPath = await verifyBundle(file, { trust, blake3: b3, chainFastPath: false });
        expect(fast).toEqual(oneThread);
        expect(noFastPath).toEqual(oneThread);
        expect(fast.fatal).toBeNull();
        if (expected) expect(chainFindings(fast)).toContain(expected);
        else expect(chainFindings(fast)).toEqual([]);
      },
      60_000,
    );
  }

  it('the second pass says so in its progress (the CLI prints "verifying again"); an intact bundle has one pass', async () => {
    const tampered = join(dir, 'progress-tampered.arxbundle');
    writeFileSync(
      tampered,
      chainBundle(b3, COUNT, undefined, undefined, (r) => ((r[2500] = { ...r[2500]!, hash: flip(r[2500]!.hash) }), r)),
    );
    const intact = join(dir, 'progress-intact.arxbundle');
    writeFileSync(intact, chainBundle(b3, COUNT));
    for (const [file, again] of [
      [tampered, true],
      [intact, false],
    ] as const) {
      const seen: { events: number; again?: boolean }[] = [];
      await verifyBundle(file, {
        trust,
        blake3: b3,
        onProgress: (p) => seen.push({ events: p.events, ...(p.again ? { again: p.again } : {}) }),
      });
      // A 3 MB bundle reports once, at the end of the pass that completes (the first pass of the
      // tampered one stopped at seq 2500).
      expect(seen).toEqual([again ? { events: COUNT, again: true } : { events: COUNT }]);
    }
  }, 60_000);

  it('a chain hash changed at seq 38,000 of 40,000 (after the reader’s ring of 32 slots went round): same report, found at its seq', async () => {
    const file = join(dir, 'late.arxbundle');
    writeFileSync(
      file,
      chainBundle(
        b3,
        40_000,
        undefined,
        undefined,
        (r) => ((r[38_000] = { ...r[38_000]!, hash: flip(r[38_000]!.hash, 31) }), r),
      ),
    );
    const fast = await verifyBundle(file, { trust, blake3: b3 });
    const oneThread = await verifyBundle(file, { trust, blake3: b3, hashWorker: false });
    expect(fast).toEqual(oneThread);
    expect(chainFindings(fast)).toEqual(['CHAIN_LINK_MISMATCH@38000']);
  }, 120_000);
});
