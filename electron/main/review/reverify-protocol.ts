import type { DecisionRow, ReplayBatchResult, ReplayComparison, ReplayVersion, VersionProblem } from './decision-replayer';

/** What a replay job gives every worker it uses, once, before its first batch there. */
export interface ReplayJobSpec {
  /** The policy versions the job may replay with (checked against their digests by the caller or by the worker). */
  versions: ReplayVersion[];
  problems: VersionProblem[];
  /** Answers kept per worker in the job's cache of identical requests (0: no cache). */
  cacheLimit: number;
  /** Entries listed per batch (mismatches, errored); the rest are counted. */
  cap: number;
  compare: ReplayComparison;
}

/**
 * A batch of rows in one transferable buffer: row i's stored bytes are buffer[offsets[2i] ..
 * offsets[2i+1]) and its event id (UTF-8) buffer[offsets[2i+1] .. offsets[2i+2]).
 */
export interface PackedRows {
  count: number;
  seqs: Float64Array;
  /** 1 where the row's type column says com.arx.policy.decided. */
  columns: Uint8Array;
  offsets: Uint32Array;
  buffer: ArrayBuffer;
}

/** Messages between the re-verification pool (main) and its workers. */
export type ReverifyWorkerRequest =
  | { op: 'open'; job: number; spec: ReplayJobSpec }
  | ({ op: 'batch'; job: number; id: number } & PackedRows)
  | { op: 'close'; job: number }
  /** Answered with an empty result once the worker has loaded (Cedar included): the pool's warm-up. */
  | { op: 'ping'; id: number };

export type ReverifyWorkerResponse =
  | { id: number; ok: true; result: ReplayBatchResult; preparsedTexts: number }
  | { id: number; ok: false; code: string; message: string; preparsedTexts: number };

/**
 * Collects rows for one batch without copying them (views into the chunks they arrived in), then
 * packs them into one buffer that is transferred to the worker, not cloned.
 */
export class RowPacker {
  private seqs: number[] = [];
  private columns: boolean[] = [];
  private parts: Uint8Array[] = [];
  private size = 0;

  get count(): number {
    return this.seqs.length;
  }

  get bytes(): number {
    return this.size;
  }

  add(seq: number, bytes: Uint8Array, eventId: Uint8Array, columnSaysDecided: boolean): void {
    this.seqs.push(seq);
    this.columns.push(columnSaysDecided);
    this.parts.push(bytes, eventId);
    this.size += bytes.length + eventId.length;
  }

  take(): PackedRows {
    const count = this.seqs.length;
    const buffer = new ArrayBuffer(this.size);
    const view = new Uint8Array(buffer);
    const offsets = new Uint32Array(2 * count + 1);
    let at = 0;
    for (let i = 0; i < this.parts.length; i++) {
      offsets[i] = at;
      view.set(this.parts[i]!, at);
      at += this.parts[i]!.length;
    }
    offsets[2 * count] = at;
    const out: PackedRows = { count, seqs: Float64Array.from(this.seqs), columns: Uint8Array.from(this.columns, (c) => (c ? 1 : 0)), offsets, buffer };
    this.seqs = [];
    this.columns = [];
    this.parts = [];
    this.size = 0;
    return out;
  }
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder();

export function packRows(rows: readonly DecisionRow[]): PackedRows {
  const p = new RowPacker();
  for (const r of rows) p.add(r.seq, r.bytes, utf8.encode(r.eventId), r.columnSaysDecided);
  return p.take();
}

export function unpackRows(p: PackedRows): DecisionRow[] {
  const bytes = new Uint8Array(p.buffer);
  const o = p.offsets;
  const rows: DecisionRow[] = new Array<DecisionRow>(p.count);
  for (let i = 0; i < p.count; i++) {
    rows[i] = { seq: p.seqs[i]!, eventId: utf8Decoder.decode(bytes.subarray(o[2 * i + 1]!, o[2 * i + 2]!)), columnSaysDecided: p.columns[i] === 1, bytes: bytes.subarray(o[2 * i]!, o[2 * i + 1]!) };
  }
  return rows;
}

/** The buffers of a packed batch, for postMessage's transfer list. */
export const transferList = (p: PackedRows): ArrayBuffer[] => [p.buffer, p.seqs.buffer as ArrayBuffer, p.columns.buffer as ArrayBuffer, p.offsets.buffer as ArrayBuffer];
