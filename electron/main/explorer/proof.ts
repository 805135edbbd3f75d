import type pg from 'pg';
import { EMPTY_ROOT, splitPoint, type MerkleHasher } from '../../../shared/merkle';
import { copyTupleBlocks } from '../chain/copy-rows';
import { loadHashKernel } from '../crypto/blake3';
import { chainHashesCopySql, chainHashesPacked } from '../controlplane/repos/explorer';

/**
 * RFC 9162 §2.1.3.1 inclusion proofs (PATH) for one leaf, built from the stored chain hashes
 * without holding the tree: the path's siblings are O(log n) subtree hashes, and the aligned
 * perfect ones of at least CHUNK leaves are cached per tenant (a few thousand 32-byte hashes for
 * a million events), so the first proof in a tenant reads its chain hashes once and the next ones
 * read at most one chunk (the handler also warms it when a tenant is opened). The cache is safe against later tampering: the renderer verifies every
 * proof against the *signed* root, so a stale or forged subtree can only make a proof fail.
 *
 * shared/merkle's MerkleTree does the same from the RFC's recursion but keeps every node in
 * memory (two hashes per leaf); this is that recursion over the database instead.
 */
const CHUNK = 1024;
/** Tuples per block of the hashes' binary COPY. */
const COPY_ROWS = 16_384;

export class ChainHashesMissing extends Error {}

const isPow2 = (n: number) => n > 0 && (n & (n - 1)) === 0;

export class SubtreeCache {
  private readonly byTenant = new Map<string, Map<string, Uint8Array>>();
  constructor(private readonly maxEntriesPerTenant = 1 << 16) {}
  get(tenant: string, start: number, size: number): Uint8Array | undefined {
    return this.byTenant.get(tenant)?.get(`${start}/${size}`);
  }
  set(tenant: string, start: number, size: number, hash: Uint8Array): void {
    let m = this.byTenant.get(tenant);
    if (!m) this.byTenant.set(tenant, (m = new Map()));
    if (m.size >= this.maxEntriesPerTenant) m.clear();
    m.set(`${start}/${size}`, hash);
  }
  clear(tenant?: string): void {
    if (tenant === undefined) this.byTenant.clear();
    else this.byTenant.delete(tenant);
  }
}

export class InclusionProver {
  constructor(
    private readonly client: pg.ClientBase,
    private readonly tenantId: string,
    private readonly hasher: MerkleHasher,
    private readonly cache: SubtreeCache,
  ) {}

  /** Computes (and caches) every aligned subtree of at least CHUNK leaves below `size`. */
  async warm(size: number): Promise<void> {
    for (let start = 0, n = 2 ** Math.floor(Math.log2(Math.max(1, size))); start + CHUNK <= size;) {
      while (start + n > size) n /= 2;
      await this.mth(start, start + n);
      start += n;
    }
  }

  /** PATH(index, D[0:size]): sibling hashes from the leaf up. */
  async inclusionProof(index: number, size: number): Promise<Uint8Array[]> {
    const out: Uint8Array[] = [];
    await this.path(index, 0, size, out);
    return out;
  }

  private async path(m: number, start: number, end: number, out: Uint8Array[]): Promise<void> {
    const n = end - start;
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      await this.path(m, start, start + k, out);
      out.push(await this.mth(start + k, end));
    } else {
      await this.path(m - k, start + k, end, out);
      out.push(await this.mth(start, start + k));
    }
  }

  /** MTH(D[start:end]) by the RFC's recursion, with aligned perfect subtrees cached. */
  async mth(start: number, end: number): Promise<Uint8Array> {
    const n = end - start;
    if (n === 0) return EMPTY_ROOT;
    const aligned = isPow2(n) && start % n === 0 && n >= CHUNK;
    if (aligned) {
      const hit = this.cache.get(this.tenantId, start, n);
      if (hit) return hit;
      // Half of it known already (a proof before, a warm-up under way): combine, do not re-read.
      const half = n / 2;
      if (
        half >= CHUNK &&
        (this.cache.get(this.tenantId, start, half) || this.cache.get(this.tenantId, start + half, half))
      ) {
        const h = this.hasher.nodeHash(await this.mth(start, start + half), await this.mth(start + half, end));
        this.cache.set(this.tenantId, start, n, h);
        return h;
      }
      return this.computePerfect(start, n);
    } else if (n < CHUNK) {
      return this.rootOfLeaves(await this.leafHashes(start, end));
    }
    const k = splitPoint(n);
    return this.hasher.nodeHash(await this.mth(start, start + k), await this.mth(start + k, end));
  }

  /**
   * An aligned perfect subtree of n ≥ CHUNK leaves in one streaming pass: its chain hashes by binary
   * COPY (from the covering index, 32 bytes a row, no text), CHUNK leaves at a time hashed level by
   * level in WASM (hash-kernel.ts, no object per hash), then the chunk roots up to the top. Every
   * aligned subtree of at least CHUNK leaves inside it is cached. Memory: one chunk and the chunk roots.
   * (Before: 64k-leaf blocks as hex text, a query each, and a Uint8Array per hash: far slower.)
   */
  private async computePerfect(start: number, n: number): Promise<Uint8Array> {
    const k = await loadHashKernel();
    const chunks = n / CHUNK;
    const roots = new Uint8Array(32 * chunks);
    const raw = new Uint8Array(32 * CHUNK);
    const a = new Uint8Array(32 * CHUNK);
    const b = new Uint8Array(16 * CHUNK);
    let filled = 0;
    let chunk = 0;
    let expected = start;
    let missing = false;
    const sql = chainHashesCopySql(this.tenantId, start, start + n);
    // The whole stream is read even when rows are missing: a COPY left half-read spoils the connection.
    for await (const block of copyTupleBlocks(this.client as pg.PoolClient, sql, 2, COPY_ROWS, 1 << 20)) {
      const buf = block.bytes;
      const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
      for (let off = 0; off < buf.length;) {
        const sl = dv.getInt32(off + 2);
        const seq = sl === 8 ? dv.getUint32(off + 6) * 0x1_0000_0000 + dv.getUint32(off + 10) : -1;
        const p = off + 6 + Math.max(0, sl);
        const hl = dv.getInt32(p);
        off = p + 4 + Math.max(0, hl);
        if (missing || seq !== expected || hl !== 32) {
          missing = true;
          continue;
        }
        expected++;
        raw.set(buf.subarray(p + 4, p + 36), 32 * filled);
        if (++filled === CHUNK) {
          roots.set(this.chunkRoot(k, start + chunk * CHUNK, raw, a, b), 32 * chunk);
          chunk++;
          filled = 0;
        }
      }
    }
    if (missing || expected !== start + n) {
      throw new ChainHashesMissing(
        `the chain has no row at seq ${expected} (between seq ${start} and ${start + n - 1})`,
      );
    }
    // Chunk roots up to the subtree's root, caching every aligned node on the way.
    let level = roots;
    let count = chunks;
    let width = CHUNK;
    while (count > 1) {
      const up = new Uint8Array(16 * count);
      k.nodeLevelInto(level, count, up);
      level = up;
      count /= 2;
      width *= 2;
      for (let i = 0; i < count; i++)
        this.cache.set(this.tenantId, start + i * width, width, level.slice(32 * i, 32 * i + 32));
    }
    return level.slice(0, 32);
  }

  /** The root of CHUNK leaves (raw chain hashes), cached; a and b are scratch levels. */
  private chunkRoot(
    k: Awaited<ReturnType<typeof loadHashKernel>>,
    at: number,
    raw: Uint8Array,
    a: Uint8Array,
    b: Uint8Array,
  ): Uint8Array {
    k.leafHashesInto(raw, CHUNK, a);
    let from = a;
    let to = b;
    for (let count = CHUNK; count > 1; count /= 2) {
      k.nodeLevelInto(from, count, to);
      [from, to] = [to, from];
    }
    const root = from.slice(0, 32);
    this.cache.set(this.tenantId, at, CHUNK, root);
    return root;
  }

  private rootOfLeaves(leaves: Uint8Array[]): Uint8Array {
    const rec = (s: number, e: number): Uint8Array => {
      const n = e - s;
      if (n === 1) return leaves[s]!;
      const k = splitPoint(n);
      return this.hasher.nodeHash(rec(s, s + k), rec(s + k, e));
    };
    return rec(0, leaves.length);
  }

  /** Leaf hashes SHA-256(0x00 ‖ h_i) of seq start … end−1, from one aggregated bytea (no row objects). */
  private async leafHashes(start: number, end: number): Promise<Uint8Array[]> {
    // Hex text decoded by Buffer.from: node-postgres's bytea parser took far longer than the
    // query itself (figures: docs/benchmarks.md). The covering index (0006) makes it an index-only scan.
    const r = await chainHashesPacked(this.client, this.tenantId, start, end);
    const buf = Buffer.from(r.hex, 'hex');
    if (r.count !== end - start || buf.length !== 32 * (end - start)) {
      throw new ChainHashesMissing(
        `the chain has ${r.count} rows between seq ${start} and ${end - 1}, not ${end - start}`,
      );
    }
    const out: Uint8Array[] = new Array(end - start);
    for (let i = 0; i < out.length; i++) out[i] = this.hasher.leafHash(buf.subarray(32 * i, 32 * i + 32));
    return out;
  }
}
