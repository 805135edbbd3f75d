/**
 * Requests from the bundle verifier (member-hasher.ts) to its hash worker (hash-worker.ts), in the
 * envelope of workers/protocol.ts: `begin` and `abort` are one-way, `data` and `shared` are answered
 * with an ack, `end` with the digests.
 */
export type HashWorkerRequest =
  /**
   * A new stream. With `events`, the stream is events.bin: the worker also parses its records and
   * checks each event digest d = BLAKE3("arx/event/v1" ‖ bytes) against the stored one; with
   * `sha256OnSender` it leaves the member's SHA-256 to the sender (its reply's sha256 is empty), to
   * balance the two threads.
   */
  | { op: 'begin'; id: number; events?: { maxEventBytes: number; sha256OnSender?: boolean } }
  /** `length` bytes at the start of `buffer` (transferred; the ack gives it back for reuse). */
  | { op: 'data'; id: number; buffer: ArrayBuffer; length: number }
  /** `length` bytes at `offset` of a shared slot of the file reader (hashed in place, not copied). */
  | { op: 'shared'; id: number; sab: SharedArrayBuffer; offset: number; length: number }
  | { op: 'end'; id: number }
  | { op: 'abort'; id: number };

/** What the worker found checking the event digests of events.bin (see `begin`). */
export interface EventDigestTally {
  /** Records whose digest was computed and compared (up to the first malformed record). */
  checked: number;
  /** Records whose bytes do not hash to their stored digest. */
  mismatches: number;
}

export type HashWorkerReply =
  | { op: 'ack'; id: number; bytes: number; buffer: ArrayBuffer | null }
  | { op: 'digest'; id: number; sha256: string; blake3: string; engine: string; events: EventDigestTally | null };
