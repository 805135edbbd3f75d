import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ArxFailure } from '../../../shared/contract';
import { chainHashesBeforeCopySql, chainRowsCopySql } from '../controlplane/repos/events';

export interface StoredChainRow {
  seq: number;
  bytes: Buffer;
  digest: Buffer;
  hash: Buffer;
}

const SIGNATURE = Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1');

/**
 * Streams the result of `COPY (…) TO STDOUT (FORMAT binary)`: the stored bytes arrive as they are,
 * with no hex text to decode and no row objects from the driver (measured: the text cursor spent
 * most of its time there). The binary COPY format (PostgreSQL docs, "COPY", "Binary Format") is
 * parsed here by hand because it is three fixed rules and no maintained library parses it for
 * pg-copy-streams without another dependency: a signature and header, then per tuple an int16
 * field count and per field an int32 length and the bytes; a count of -1 ends the data.
 * Yields the tuples of each received chunk; fields are views into the chunk (no copy).
 * Must run inside the caller's transaction (tenant set, snapshot fixed).
 */
export async function* copyBinaryTuples(
  client: pg.PoolClient,
  sql: string,
  fieldCount: number,
): AsyncGenerator<Buffer[][]> {
  const stream = client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`));
  let pending: Buffer = Buffer.alloc(0);
  let headerDone = false;
  let ended = false;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    const buf = pending.length ? Buffer.concat([pending, chunk]) : chunk;
    let off = 0;
    if (!headerDone) {
      if (buf.length < 19) {
        pending = buf;
        continue;
      }
      if (!buf.subarray(0, 11).equals(SIGNATURE))
        throw new ArxFailure('INTERNAL', 'The database sent a COPY stream without the binary signature.');
      off = 19 + buf.readUInt32BE(15);
      headerDone = true;
    }
    const tuples: Buffer[][] = [];
    while (!ended && buf.length - off >= 2) {
      const fields = buf.readInt16BE(off);
      if (fields === -1) {
        ended = true;
        off += 2;
        break;
      }
      if (fields !== fieldCount)
        throw new ArxFailure('INTERNAL', `COPY tuple with ${fields} fields, expected ${fieldCount}.`);
      // A tuple is complete when all its length-prefixed fields are in the buffer.
      let p = off + 2;
      const tuple: Buffer[] = [];
      for (let i = 0; i < fieldCount; i++) {
        if (buf.length - p < 4) break;
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0 || buf.length - p < len) break;
        tuple.push(buf.subarray(p, p + len));
        p += len;
      }
      if (tuple.length < fieldCount) break;
      tuples.push(tuple);
      off = p;
    }
    pending = buf.subarray(off);
    if (tuples.length) yield tuples;
  }
  if (!ended) throw new ArxFailure('DB_UNREACHABLE', 'The chain stream from the control plane ended early.');
}

/** A run of whole COPY tuples (binary format), in its own ArrayBuffer so that it can be transferred. */
export interface TupleBlock {
  bytes: Uint8Array;
  rows: number;
}

/**
 * Like copyBinaryTuples, but yields the raw bytes of whole tuples in blocks of at most `maxRows`
 * tuples (or about `maxBytes`), without a view or an object per field: the verification engine
 * parses them where it hashes them (possibly in a worker). Every received byte is copied once, into
 * the block that holds its tuple. Header and trailer are checked and left out.
 * `reuse`: blocks are views into one framing buffer, valid only until the next block is asked for
 * (no buffer allocated per block; the caller consumes or copies each block before going on).
 */
export function copyTupleBlocks(
  client: pg.ClientBase,
  sql: string,
  fieldCount: number,
  maxRows: number,
  maxBytes: number,
  reuse = false,
): AsyncGenerator<TupleBlock> {
  return tupleBlocks(
    client.query(copyTo(`COPY (${sql}) TO STDOUT (FORMAT binary)`)),
    fieldCount,
    maxRows,
    maxBytes,
    reuse,
  );
}

/** The framing of copyTupleBlocks over any stream of binary-COPY bytes. */
export async function* tupleBlocks(
  stream: AsyncIterable<Uint8Array>,
  fieldCount: number,
  maxRows: number,
  maxBytes: number,
  reuse = false,
): AsyncGenerator<TupleBlock> {
  const framer = new TupleFramer(fieldCount, maxRows, maxBytes, reuse);
  for await (const chunk of stream) {
    for (const block of framer.push(chunk)) yield block;
  }
  const last = framer.end();
  if (last) yield last;
}

/** A buffer of its own (transferable), not zero-filled: every byte handed out was written first. */
const uninitialised = (n: number): Uint8Array => {
  const b = Buffer.allocUnsafeSlow(n);
  return new Uint8Array(b.buffer, b.byteOffset, b.length);
};

/**
 * Cuts binary-COPY bytes into blocks of whole tuples (a class, not closures: its loop runs per row).
 * By default each block is a buffer of its own (transferable); with `reuse`, blocks are views into
 * the framing buffer, valid until the next push() or end() (which move the unfinished tuple to the
 * front): no allocation and no page faults per block, for a consumer that copies or finishes each
 * block at once (the verification engine: ChainStreamVerifier keeps no view, the worker's ring copies).
 */
export class TupleFramer {
  private acc: Uint8Array;
  private view: DataView;
  /** Bytes in acc. */
  private len = 0;
  /** Start of the block being filled (0 unless reuse). */
  private start = 0;
  /** Start of the first tuple not yet known to be complete. */
  private scan = 0;
  /** Complete tuples in acc[start, scan). */
  private rows = 0;
  private header = false;
  private ended = false;

  constructor(
    private readonly fieldCount: number,
    private readonly maxRows: number,
    private readonly maxBytes: number,
    private readonly reuse = false,
  ) {
    this.acc = this.buffer(Math.max(maxBytes + (maxBytes >> 2), 1 << 16));
    this.view = new DataView(this.acc.buffer);
  }

  push(chunk: Uint8Array): TupleBlock[] {
    const out: TupleBlock[] = [];
    if (this.ended) return out;
    if (this.start > 0) {
      // reuse: the blocks handed out last time are done with; keep only what follows them.
      this.acc.copyWithin(0, this.start, this.len);
      this.len -= this.start;
      this.scan -= this.start;
      this.start = 0;
    }
    if (this.len + chunk.length > this.acc.length) this.grow(this.len + chunk.length);
    this.acc.set(chunk, this.len);
    this.len += chunk.length;
    if (!this.header) {
      const acc = this.acc;
      if (this.len < 19) return out;
      for (let i = 0; i < SIGNATURE.length; i++)
        if (acc[i] !== SIGNATURE[i])
          throw new ArxFailure('INTERNAL', 'The database sent a COPY stream without the binary signature.');
      const skip = 19 + this.view.getUint32(15);
      if (this.len < skip) return out;
      acc.copyWithin(0, skip, this.len);
      this.len -= skip;
      this.header = true;
    }
    const fieldCount = this.fieldCount;
    for (;;) {
      const view = this.view;
      const len = this.len;
      let scan = this.scan;
      let rows = this.rows;
      while (len - scan >= 2) {
        const fields = view.getInt16(scan);
        if (fields === -1) {
          this.ended = true;
          break;
        }
        if (fields !== fieldCount)
          throw new ArxFailure('INTERNAL', `COPY tuple with ${fields} fields, expected ${fieldCount}.`);
        let p = scan + 2;
        let i = 0;
        for (; i < fieldCount; i++) {
          if (len - p < 4) break;
          const n = view.getInt32(p);
          p += 4 + (n > 0 ? n : 0);
          if (p > len) break;
        }
        if (i < fieldCount) break;
        scan = p;
        rows++;
        if (rows >= this.maxRows || scan - this.start >= this.maxBytes) break;
      }
      this.scan = scan;
      this.rows = rows;
      if (rows > 0 && (rows >= this.maxRows || scan - this.start >= this.maxBytes)) {
        out.push(this.take());
        continue;
      }
      return out;
    }
  }

  /** The last block (null if none); throws if the data ended without the COPY trailer. */
  end(): TupleBlock | null {
    if (!this.ended) throw new ArxFailure('DB_UNREACHABLE', 'The chain stream from the control plane ended early.');
    return this.rows > 0 ? this.take() : null;
  }

  private take(): TupleBlock {
    if (this.reuse) {
      const block = { bytes: this.acc.subarray(this.start, this.scan), rows: this.rows };
      this.start = this.scan;
      this.rows = 0;
      return block;
    }
    const block = { bytes: this.acc.subarray(0, this.scan), rows: this.rows };
    const rest = this.len - this.scan;
    const next = this.buffer(Math.max(this.acc.length, rest + (1 << 16)));
    next.set(this.acc.subarray(this.scan, this.len), 0);
    this.acc = next;
    this.view = new DataView(next.buffer);
    this.len = rest;
    this.scan = 0;
    this.rows = 0;
    return block;
  }

  private buffer(n: number): Uint8Array {
    return uninitialised(n);
  }

  private grow(need: number): void {
    const bigger = uninitialised(Math.max(2 * this.acc.length, need));
    bigger.set(this.acc.subarray(0, this.len), 0);
    this.acc = bigger;
    this.view = new DataView(bigger.buffer);
  }
}

/** A tenant's chain rows, seq `from`..`to` (inclusive; null: to the end), in seq order. */
export async function* copyChainRows(
  client: pg.PoolClient,
  tenantId: string,
  from: number,
  to: number | null,
): AsyncGenerator<StoredChainRow[]> {
  for await (const tuples of copyBinaryTuples(client, chainRowsCopySql(tenantId, from, to), 4)) {
    // int8 as two halves: no BigInt per row (seqs stay below 2^53).
    yield tuples.map(([s, b, d, h]) => ({
      seq: s!.readUInt32BE(0) * 0x1_0000_0000 + s!.readUInt32BE(4),
      bytes: b!,
      digest: d!,
      hash: h!,
    }));
  }
}

/** The stored chain hashes before seq `before`, in seq order (for the Merkle tree before a range). */
export async function* copyChainHashes(
  client: pg.PoolClient,
  tenantId: string,
  before: number,
): AsyncGenerator<{ seq: number; hash: Buffer }[]> {
  for await (const tuples of copyBinaryTuples(client, chainHashesBeforeCopySql(tenantId, before), 2))
    yield tuples.map(([s, h]) => ({ seq: Number(s!.readBigInt64BE(0)), hash: h! }));
}
