import {
  ChainVerifier,
  type ChainCheckpoint,
  type ChainReport,
  type ChainRow,
  type ChainStart,
} from '../../../shared/chain';
import type { HashKernel } from '../crypto/blake3';
import { WriterCollector } from '../pki/writer-auth';

/** What a stream verification needs to start (structured-cloneable: it crosses to a worker). */
export interface StreamInit {
  tenantId: string;
  start: ChainStart;
  /** Verified checkpoints inside the range: heads anchor the chain, roots are recomputed. */
  checkpoints: ChainCheckpoint[];
  maxIssues?: number;
}

export interface StreamStats {
  rows: number;
  bytes: number;
  firstSeq: number | null;
  lastSeq: number | null;
}

export interface StreamResult extends StreamStats {
  report: ChainReport;
  /** Events whose bytes do not carry `"arxtenant":"<tenant>"`: how many, and the first 1000 (seq, the tenant they name). */
  foreign: { count: number; first: { seq: number; found: string }[] };
  /** Events that are not certainly gateway events, for writer authentication (pki/writer-auth.ts). */
  writers: { rows: { seq: number; bytes: Uint8Array }[]; overflow: number; firstNamed: number | null };
}

const FOREIGN_LISTED = 1000;
const TENANT_FIELD = /"arxtenant":"([^"]{1,64})"/;
const decoder = new TextDecoder();

/**
 * The per-row part of the verification engine (docs/chain-format.md §5.2), fed with blocks of raw
 * binary-COPY tuples `(seq, bytes, event_digest, chain_hash)` — on the main thread, or in a digest
 * worker (digest-worker.ts) so that the main thread only moves bytes. For each row it computes the
 * event digest and, when the row is in step, the link from the previous stored hash with the WASM
 * kernel, comparing both where WASM wrote them (a matching digest *is* the stored one, so nothing is
 * copied); the judgement — seqs, links, breaks and their classes, anchors, checkpoint roots — is
 * shared/chain's ChainVerifier, unchanged, which recomputes anything the fast path did not settle.
 * Also checks that every event names this tenant in its own bytes.
 */
export class ChainStreamVerifier {
  private readonly verifier: ChainVerifier;
  private readonly needle: Uint8Array;
  /** The previous row's stored hash (identity matters: ChainVerifier compares precomputed links by it). */
  private prev: Uint8Array | null;
  /** Where the needle was found in the previous event: events of one gateway put it at about the same offset. */
  private hint = 0;
  private readonly stats: StreamStats = { rows: 0, bytes: 0, firstSeq: null, lastSeq: null };
  private readonly foreign: StreamResult['foreign'] = { count: 0, first: [] };
  private readonly writers = new WriterCollector();

  constructor(
    init: StreamInit,
    private readonly kernel: HashKernel,
  ) {
    this.verifier = new ChainVerifier({
      start: init.start,
      blake3: kernel.blake3,
      merkleHasher: kernel.merkle,
      checkpoints: init.checkpoints,
      ...(init.maxIssues ? { maxIssues: init.maxIssues } : {}),
    });
    this.needle = new TextEncoder().encode(`"arxtenant":"${init.tenantId}"`);
    this.prev = 'prevHash' in init.start ? init.start.prevHash : null;
  }

  get progress(): StreamStats {
    return { ...this.stats };
  }

  /**
   * Whole tuples of four fields, as copyTupleBlocks yields them. Nothing keeps a view into `buf`
   * after this returns: the caller may reuse it.
   */
  push(buf: Uint8Array): void {
    const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    const end = buf.length;
    let off = 0;
    while (off < end) {
      if (dv.getInt16(off) !== 4) throw new Error(`COPY tuple with ${dv.getInt16(off)} fields, expected 4`);
      let p = off + 2;
      const sl = dv.getInt32(p);
      p += 4;
      // int8 as two halves: no BigInt per row (seqs stay below 2^53). A malformed seq is -1.
      const seq = sl === 8 ? dv.getUint32(p) * 0x1_0000_0000 + dv.getUint32(p + 4) : -1;
      p += Math.max(0, sl);
      const bl = Math.max(0, dv.getInt32(p));
      const bs = p + 4;
      p = bs + bl;
      const dl = Math.max(0, dv.getInt32(p));
      const ds = p + 4;
      p = ds + dl;
      const hl = Math.max(0, dv.getInt32(p));
      const hs = p + 4;
      off = hs + hl;
      if (off > end) throw new Error('COPY block ends inside a tuple');
      this.row(buf, seq, bs, bl, ds, dl, hs, hl);
    }
    // The caller may refill buf once this returns (a reused framing buffer, a shared slot of a
    // worker's ring): keep copies of what outlives the block (a few bytes per block, not per row).
    this.verifier.retainCopies();
    if (this.prev) this.prev = this.prev.slice();
  }

  private row(
    buf: Uint8Array,
    seq: number,
    bs: number,
    bl: number,
    ds: number,
    dl: number,
    hs: number,
    hl: number,
  ): void {
    const k = this.kernel;
    const bytes = buf.subarray(bs, bs + bl);
    const digest = buf.subarray(ds, ds + dl);
    const hash = buf.subarray(hs, hs + hl);
    k.eventDigest(buf, bs, bl);
    const digestOk = dl === 32 && k.outEquals(buf, ds);
    const row: ChainRow = { seq, bytes, digest, hash, computedDigest: digestOk ? digest : k.outCopy() };
    const prev = this.prev;
    if (digestOk && prev !== null && prev.length === 32 && hl === 32 && Number.isSafeInteger(seq) && seq >= 0) {
      k.chainLink(seq, prev, digest);
      row.computedLink = { seq, prev, hash: k.outEquals(buf, hs) ? hash : k.outCopy() };
    }
    this.verifier.push(row);
    this.prev = hash;
    const st = this.stats;
    st.rows++;
    st.bytes += bl;
    st.firstSeq ??= seq;
    st.lastSeq = seq;
    if (!this.namesTenant(buf, bs, bl)) this.foreignRow(seq, bytes);
    this.writers.push(seq, bytes);
  }

  private namesTenant(buf: Uint8Array, start: number, len: number): boolean {
    // Around where it was in the previous event first (a few bytes either way: ids, types and
    // subjects differ in length), then anywhere. Buffer.indexOf is slow here (event JSON is full of
    // the needle's first byte); this finds it in a few comparisons.
    const n = this.needle;
    const last = len - n.length;
    const h = this.hint;
    for (let d = 0; d <= 32; d++) {
      for (let sign = 0; sign < 2; sign++) {
        const at = sign === 0 ? h + d : h - d;
        if (at < 0 || at > last || (sign === 1 && d === 0)) continue;
        const o = start + at;
        if (buf[o + 1] !== n[1] || buf[o + 13] !== n[13]) continue;
        let i = 0;
        while (i < n.length && buf[o + i] === n[i]) i++;
        if (i === n.length) {
          this.hint = at;
          return true;
        }
      }
    }
    const found = Buffer.from(buf.buffer, buf.byteOffset + start, len).indexOf(n);
    if (found < 0) return false;
    this.hint = found;
    return true;
  }

  private foreignRow(seq: number, bytes: Uint8Array): void {
    const f = this.foreign;
    f.count++;
    if (f.first.length >= FOREIGN_LISTED) return;
    const m = TENANT_FIELD.exec(decoder.decode(bytes.subarray(0, 4096)));
    f.first.push({ seq, found: m ? m[1]! : '(no tenant named)' });
  }

  finish(): StreamResult {
    const w = this.writers;
    return {
      ...this.stats,
      report: this.verifier.finish(),
      foreign: this.foreign,
      writers: { rows: w.rows, overflow: w.overflow, firstNamed: w.firstNamed },
    };
  }
}
