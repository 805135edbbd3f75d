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
 * Streams a tenant's chain rows with `COPY (…) TO STDOUT (FORMAT binary)`: the stored bytes arrive
 * as they are, with no hex text to decode and no row objects from the driver (measured: the text
 * cursor spent most of its time there). The binary COPY format (PostgreSQL docs, "COPY", "Binary
 * Format") is parsed here by hand because it is three fixed rules and no maintained library
 * parses it for pg-copy-streams without another dependency: a signature and header, then per tuple
 * an int16 field count and per field an int32 length and the bytes; a count of -1 ends the data.
 * Must run inside the caller's transaction (tenant set, snapshot fixed).
 */
export async function* copyChainRows(client: pg.PoolClient, tenantId: string, from: number, to: number | null): AsyncGenerator<StoredChainRow[]> {
  const sql = `COPY (SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events
    WHERE tenant_id = '${tenantId.replace(/[^0-9a-f-]/g, '')}' AND seq >= ${Math.trunc(from)}${to === null ? '' : ` AND seq <= ${Math.trunc(to)}`}
    ORDER BY seq) TO STDOUT (FORMAT binary)`;
  const stream = client.query(copyTo(sql));
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
    const rows: StoredChainRow[] = [];
    while (!ended && buf.length - off >= 2) {
      const fields = buf.readInt16BE(off);
      if (fields === -1) {
        ended = true;
        off += 2;
        break;
      }
      if (fields !== 4) throw new ArxFailure('INTERNAL', `COPY tuple with ${fields} fields, expected 4.`);
      // A tuple is complete when all four length-prefixed fields are in the buffer.
      let p = off + 2;
      const spans: [number, number][] = [];
      for (let i = 0; i < 4; i++) {
        if (buf.length - p < 4) break;
        const len = buf.readInt32BE(p);
        p += 4;
        if (len < 0 || buf.length - p < len) break;
        spans.push([p, p + len]);
        p += len;
      }
      if (spans.length < 4) break;
      const [s, b, d, h] = spans as [[number, number], [number, number], [number, number], [number, number]];
      rows.push({
        seq: Number(buf.readBigInt64BE(s[0])),
        bytes: buf.subarray(b[0], b[1]),
        digest: buf.subarray(d[0], d[1]),
        hash: buf.subarray(h[0], h[1]),
      });
      off = p;
    }
    pending = buf.subarray(off);
    if (rows.length) yield rows;
  }
  if (!ended) throw new ArxFailure('DB_UNREACHABLE', 'The chain stream from the control plane ended early.');
}
