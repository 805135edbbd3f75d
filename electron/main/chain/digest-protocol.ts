/**
 * Messages between the verification engine (main thread) and its digest workers. A batch carries
 * the stored event bytes of consecutive rows packed into one transferable buffer, their seqs and
 * stored chain hashes; the worker returns, per row, the event digest d_i over the exact bytes, the
 * link chainLink(seq_i, storedHash_(i-1), d_i), the RFC 9162 leaf hash of the stored hash, and
 * whether the bytes name the expected tenant. All of it is recomputed from stored values only.
 */
export interface DigestBatch {
  id: number;
  tenantId: string;
  /** Row count. */
  n: number;
  /** Event bytes of row i are bytes[offsets[i] .. offsets[i+1]). */
  bytes: Uint8Array;
  offsets: Uint32Array;
  seqs: Float64Array;
  /** Stored chain hashes, 32 bytes per row. */
  hashes: Uint8Array;
  /** Stored hash of the row before row 0 in the stream, or an empty array when there is none. */
  prev: Uint8Array;
}

export interface DigestResult {
  id: number;
  digests: Uint8Array;
  links: Uint8Array;
  leaves: Uint8Array;
  /** 1 when the bytes carry `"arxtenant":"<tenantId>"`, 0 when they do not. */
  ownTenant: Uint8Array;
}

export type DigestWorkerMessage = { ok: true; result: DigestResult } | { ok: false; id: number; message: string };
