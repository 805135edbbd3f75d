/** The fixed part of an events.bin record: u64be(seq) ‖ u32be(n) ‖ d (32) ‖ h (32). */
export const EVENT_RECORD_HEADER = 8 + 4 + 32 + 32;

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

const u32be = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) >>> 0) + (b[at + 1]! << 16) + (b[at + 2]! << 8) + b[at + 3]!;

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
 * Called for each record of events.bin: `buf[at, at+76)` is its header (u64be(seq) ‖ u32be(len) ‖
 * d ‖ h) and `buf[at+76, at+76+len)` its event bytes; `offset` is the record's offset in events.bin.
 * `buf` is the pushed chunk itself for a record inside one chunk (valid during the call only: copy
 * what you keep), or a buffer of the record alone for one that spans chunks.
 */
export type EventRecordSink = (buf: Uint8Array, at: number, seq: number, len: number, offset: number) => void;

/**
 * Push parser of events.bin that allocates nothing for a record inside one chunk: the sink gets
 * positions, not views (this runs once per event, millions of times, on both verifying threads).
 * Holds at most one event's bytes (only when a record spans input chunks), so memory stays flat
 * however many events the bundle carries.
 */
export class EventRecordScanner {
  private readonly head = new Uint8Array(EVENT_RECORD_HEADER);
  private headFill = 0;
  /** The record being assembled across chunks (header and body), once its header is complete. */
  private record: Uint8Array | null = null;
  private recordFill = 0;
  private offset = 0;
  private recordStart = 0;
  private seq = 0;
  private length = 0;

  constructor(
    private readonly onRecord: EventRecordSink,
    private readonly maxEventBytes: number,
  ) {}

  push(chunk: Uint8Array): void {
    const n = chunk.length;
    let i = 0;
    while (i < n) {
      if (this.record === null) {
        // Fast path: a whole record inside this chunk, read in place.
        if (this.headFill === 0 && n - i >= EVENT_RECORD_HEADER) {
          const seq = u32be(chunk, i) * 0x1_0000_0000 + u32be(chunk, i + 4);
          const len = u32be(chunk, i + 8);
          this.check(seq, len, this.offset);
          if (n - i - EVENT_RECORD_HEADER >= len) {
            this.onRecord(chunk, i, seq, len, this.offset);
            const size = EVENT_RECORD_HEADER + len;
            i += size;
            this.offset += size;
            continue;
          }
        }
        const k = Math.min(EVENT_RECORD_HEADER - this.headFill, n - i);
        if (this.headFill === 0) this.recordStart = this.offset;
        this.head.set(chunk.subarray(i, i + k), this.headFill);
        this.headFill += k;
        i += k;
        this.offset += k;
        if (this.headFill === EVENT_RECORD_HEADER) {
          const h = this.head;
          this.seq = u32be(h, 0) * 0x1_0000_0000 + u32be(h, 4);
          this.length = u32be(h, 8);
          this.check(this.seq, this.length, this.recordStart);
          this.record = new Uint8Array(EVENT_RECORD_HEADER + this.length);
          this.record.set(h, 0);
          this.recordFill = EVENT_RECORD_HEADER;
          if (this.length === 0) this.emit();
        }
      } else {
        const k = Math.min(this.record.length - this.recordFill, n - i);
        this.record.set(chunk.subarray(i, i + k), this.recordFill);
        this.recordFill += k;
        i += k;
        this.offset += k;
        if (this.recordFill === this.record.length) this.emit();
      }
    }
  }

  private check(seq: number, len: number, at: number): void {
    if (!Number.isSafeInteger(seq)) throw new EventsMalformed(`the record at offset ${at} has a seq beyond 2^53`, at);
    if (len > this.maxEventBytes)
      throw new EventsMalformed(
        `the record at offset ${at} declares an event of ${len} bytes (limit ${this.maxEventBytes})`,
        at,
        'BUNDLE_EVENT_TOO_LARGE',
      );
  }

  private emit(): void {
    const r = this.record!;
    this.record = null;
    this.headFill = 0;
    this.onRecord(r, 0, this.seq, this.length, this.recordStart);
  }

  /** events.bin ended: it must end on a record boundary. */
  end(): void {
    if (this.headFill !== 0 || this.record !== null)
      throw new EventsMalformed(`events.bin ends inside the record at offset ${this.recordStart}`, this.recordStart);
  }
}
