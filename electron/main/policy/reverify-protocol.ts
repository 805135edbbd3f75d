import { readFileSync } from 'node:fs';
import type { DecisionRow, ReplayBatchResult, ReplayVersion, VersionProblem } from './decision-replayer';

/** What a replay job gives every worker it uses, once, before its first batch there. */
export interface ReplayJobSpec {
  /** The policy versions the job may replay with (checked against their digests by the caller or by the worker). */
  versions: ReplayVersion[];
  problems: VersionProblem[];
  /** Answers kept per worker in the job's cache of identical requests (0: no cache). */
  cacheLimit: number;
  /** Entries listed per batch (mismatches, errored); the rest are counted. */
  cap: number;
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

/**
 * Requests from the re-verification pool (main) to its workers, in the envelope of
 * workers/protocol.ts: `open` and `close` are one-way, a batch is answered with its result.
 */
export type ReverifyWorkerRequest =
  | { op: 'open'; job: number; spec: ReplayJobSpec }
  | ({ op: 'batch'; job: number } & PackedRows)
  | { op: 'close'; job: number };

/** A batch's result, and how many policy texts the worker's Cedar instance holds (the pool recycles it past a limit). */
export interface ReverifyWorkerReply {
  result: ReplayBatchResult;
  preparsedTexts: number;
}

/**
 * CPU time of the calling thread in µs (Linux: /proc/thread-self/schedstat, nanoseconds on CPU);
 * NaN elsewhere. process.cpuUsage() counts every thread of the process, and Node 20 has no
 * per-thread call: the bench takes the main thread's share with this and counts the rest of the
 * process as the workers'. (Workers do not report their own: the bench crashed in V8 several times
 * while they did, see docs/reverify.md.)
 */
export function threadCpuMicros(): number {
  try {
    return Number(readFileSync('/proc/thread-self/schedstat', 'latin1').split(' ')[0]) / 1000;
  } catch {
    return NaN;
  }
}

/**
 * Collects rows for one batch without copying them (views into the chunks they arrived in), then
 * packs them into one buffer that is transferred to the worker, not cloned.
 */
export class RowPacker {
  private seqs = new Float64Array(1024);
  private columns = new Uint8Array(1024);
  private parts: Uint8Array[] = [];
  private n = 0;
  private size = 0;

  get count(): number {
    return this.n;
  }

  get bytes(): number {
    return this.size;
  }

  add(seq: number, bytes: Uint8Array, eventId: Uint8Array, columnSaysDecided: boolean): void {
    if (this.n === this.seqs.length) {
      const seqs = new Float64Array(this.n * 2);
      seqs.set(this.seqs);
      this.seqs = seqs;
      const columns = new Uint8Array(this.n * 2);
      columns.set(this.columns);
      this.columns = columns;
    }
    this.seqs[this.n] = seq;
    this.columns[this.n] = columnSaysDecided ? 1 : 0;
    this.n++;
    this.parts.push(bytes, eventId);
    this.size += bytes.length + eventId.length;
  }

  take(): PackedRows {
    const count = this.n;
    const buffer = new ArrayBuffer(this.size);
    const view = new Uint8Array(buffer);
    const offsets = new Uint32Array(2 * count + 1);
    let at = 0;
    for (let i = 0; i < this.parts.length; i++) {
      const part = this.parts[i]!;
      offsets[i] = at;
      view.set(part, at);
      at += part.length;
    }
    offsets[2 * count] = at;
    const out: PackedRows = {
      count,
      seqs: this.seqs.slice(0, count),
      columns: this.columns.slice(0, count),
      offsets,
      buffer,
    };
    this.parts = [];
    this.n = 0;
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
    rows[i] = {
      seq: p.seqs[i]!,
      eventId: utf8Decoder.decode(bytes.subarray(o[2 * i + 1]!, o[2 * i + 2]!)),
      columnSaysDecided: p.columns[i] === 1,
      bytes: bytes.subarray(o[2 * i]!, o[2 * i + 1]!),
    };
  }
  return rows;
}

/** The buffers of a packed batch, for postMessage's transfer list. */
export const transferList = (p: PackedRows): ArrayBuffer[] => [
  p.buffer,
  p.seqs.buffer as ArrayBuffer,
  p.columns.buffer as ArrayBuffer,
  p.offsets.buffer as ArrayBuffer,
];

const PRINCIPAL = Buffer.from('"principal":');

/**
 * Which of `n` workers a decision goes to: a hash of its stored bytes from `"principal":` on (the
 * request the engine reads, as the writer serialised it), so that identical requests meet the same
 * worker's cache of identical requests. Only a routing choice: the cache key itself is exact
 * (decision-replayer.ts), so a collision or an odd event costs a miss, never a wrong answer.
 */
export function routeOf(bytes: Buffer, n: number): number {
  if (n <= 1) return 0;
  const at = bytes.indexOf(PRINCIPAL);
  let h = 0x811c9dc5;
  // Every 4th byte is enough to spread requests; identical bytes always route alike.
  for (let i = at < 0 ? 0 : at; i < bytes.length; i += 4) h = Math.imul(h ^ bytes[i]!, 0x01000193);
  return (h >>> 0) % n;
}
