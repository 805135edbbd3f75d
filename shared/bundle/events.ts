/** The fixed part of an events.bin record: u64be(seq) ‖ u32be(n) ‖ d (32) ‖ h (32). */
export const EVENT_RECORD_HEADER = 8 + 4 + 32 + 32;

/** One record of events.bin. `bytes`, `digest` and `hash` may be views into the input: copy to keep. */
export interface EventRecord {
  seq: number;
  bytes: Uint8Array;
  digest: Uint8Array;
  hash: Uint8Array;
  /** Offset of the record in events.bin. */
  offset: number;
}

/** Encodes the 76-byte record header: u64be(seq) ‖ u32be(n) ‖ d ‖ h. */
export function eventRecordHeader(seq: number, length: number, digest: Uint8Array, hash: Uint8Array): Uint8Array {
  if (!Number.isSafeInteger(seq) || seq < 0) throw new RangeError('seq must be a non-negative safe integer');
  if (!Number.isInteger(length) || length < 0 || length > 0xffffffff) throw new RangeError('event length out of range');
  if (digest.length !== 32 || hash.length !== 32) throw new RangeError('digest and hash are 32 bytes');
  const h = new Uint8Array(EVENT_RECORD_HEADER);
  const v = new DataView(h.buffer);
  v.setUint32(0, Math.floor(seq / 0x1_0000_0000));
  v.setUint32(4, seq >>> 0);
  v.setUint32(8, length);
  h.set(digest, 12);
  h.set(hash, 44);
  return h;
}

const u32be = (b: Uint8Array, at: number): number => ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;

export class EventsMalformed extends Error {
  constructor(
    message: string,
    readonly offset: number,
    readonly code: 'EVENTS_MALFORMED' | 'BUNDLE_EVENT_TOO_LARGE' = 'EVENTS_MALFORMED',
  ) {
    super(message);
  }
}

/**
 * Push parser of events.bin. Holds at most one event's bytes (only when a record spans input
 * chunks), so memory stays flat however many events the bundle carries.
 */
export class EventRecordReader {
  private readonly head = new Uint8Array(EVENT_RECORD_HEADER);
  private headFill = 0;
  private body: Uint8Array | null = null;
  private bodyFill = 0;
  private offset = 0;
  private recordStart = 0;
  private seq = 0;
  private length = 0;

  constructor(
    private readonly onRecord: (r: EventRecord) => void,
    private readonly maxEventBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.body === null) {
        // Fast path: a whole record inside this chunk, no copy.
        if (this.headFill === 0 && chunk.length - i >= EVENT_RECORD_HEADER) {
          // Read in place (no DataView per record: this runs once per event).
          const seq = u32be(chunk, i) * 0x1_0000_0000 + u32be(chunk, i + 4);
          const len = u32be(chunk, i + 8);
          this.check(seq, len, this.offset);
          if (chunk.length - i - EVENT_RECORD_HEADER >= len) {
            const b = i + EVENT_RECORD_HEADER;
            this.onRecord({ seq, bytes: chunk.subarray(b, b + len), digest: chunk.subarray(i + 12, i + 44), hash: chunk.subarray(i + 44, i + 76), offset: this.offset });
            i = b + len;
            this.offset += EVENT_RECORD_HEADER + len;
            continue;
          }
        }
        const n = Math.min(EVENT_RECORD_HEADER - this.headFill, chunk.length - i);
        if (this.headFill === 0) this.recordStart = this.offset;
        this.head.set(chunk.subarray(i, i + n), this.headFill);
        this.headFill += n;
        i += n;
        this.offset += n;
        if (this.headFill === EVENT_RECORD_HEADER) {
          const v = new DataView(this.head.buffer);
          this.seq = v.getUint32(0) * 0x1_0000_0000 + v.getUint32(4);
          this.length = v.getUint32(8);
          this.check(this.seq, this.length, this.recordStart);
          this.body = new Uint8Array(this.length);
          this.bodyFill = 0;
          if (this.length === 0) this.emit();
        }
      } else {
        const n = Math.min(this.length - this.bodyFill, chunk.length - i);
        this.body.set(chunk.subarray(i, i + n), this.bodyFill);
        this.bodyFill += n;
        i += n;
        this.offset += n;
        if (this.bodyFill === this.length) this.emit();
      }
    }
  }

  private check(seq: number, len: number, at: number): void {
    if (!Number.isSafeInteger(seq)) throw new EventsMalformed(`the record at offset ${at} has a seq beyond 2^53`, at);
    if (len > this.maxEventBytes) throw new EventsMalformed(`the record at offset ${at} declares an event of ${len} bytes (limit ${this.maxEventBytes})`, at, 'BUNDLE_EVENT_TOO_LARGE');
  }

  private emit(): void {
    const h = this.head;
    this.onRecord({ seq: this.seq, bytes: this.body!, digest: h.slice(12, 44), hash: h.slice(44, 76), offset: this.recordStart });
    this.body = null;
    this.headFill = 0;
  }

  /** events.bin ended: it must end on a record boundary. */
  end(): void {
    if (this.headFill !== 0 || this.body !== null) throw new EventsMalformed(`events.bin ends inside the record at offset ${this.recordStart}`, this.recordStart);
  }
}
