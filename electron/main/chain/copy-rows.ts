import type pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import { ArxFailure } from '../../../shared/contract';

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
export async function* copyBinaryTuples(client: pg.PoolClient, sql: string, fieldCount: number): AsyncGenerator<Buffer[][]> {
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
      if (!buf.subarray(0, 11).equals(SIGNATURE)) throw new ArxFailure('INTERNAL', 'The database sent a COPY stream without the binary signature.');
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
      if (fields !== fieldCount) throw new ArxFailure('INTERNAL', `COPY tuple with ${fields} fields, expected ${fieldCount}.`);
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

const uuidLiteral = (tenantId: string) => `'${tenantId.replace(/[^0-9a-f-]/g, '')}'`;

/** A tenant's chain rows, seq `from`..`to` (inclusive; null: to the end), in seq order. */
export async function* copyChainRows(client: pg.PoolClient, tenantId: string, from: number, to: number | null): AsyncGenerator<StoredChainRow[]> {
  const sql = `SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events
    WHERE tenant_id = ${uuidLiteral(tenantId)} AND seq >= ${Math.trunc(from)}${to === null ? '' : ` AND seq <= ${Math.trunc(to)}`}
    ORDER BY seq`;
  for await (const tuples of copyBinaryTuples(client, sql, 4)) {
    // int8 as two halves: no BigInt per row (seqs stay below 2^53).
    yield tuples.map(([s, b, d, h]) => ({ seq: s!.readUInt32BE(0) * 0x1_0000_0000 + s!.readUInt32BE(4), bytes: b!, digest: d!, hash: h! }));
  }
}

/** The stored chain hashes before seq `before`, in seq order (for the Merkle tree before a range). */
export async function* copyChainHashes(client: pg.PoolClient, tenantId: string, before: number): AsyncGenerator<{ seq: number; hash: Buffer }[]> {
  const sql = `SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = ${uuidLiteral(tenantId)} AND seq < ${Math.trunc(before)} ORDER BY seq`;
  for await (const tuples of copyBinaryTuples(client, sql, 2)) yield tuples.map(([s, h]) => ({ seq: Number(s!.readBigInt64BE(0)), hash: h! }));
}
