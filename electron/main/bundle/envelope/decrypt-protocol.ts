/**
 * Requests from the verifier's thread (decrypt-stream.ts) to the bundle decryption worker
 * (decrypt-worker.ts), in the envelope of workers/protocol.ts. `open` and `close` are one-way;
 * each `fill` is answered, in order, once its slot holds authenticated plaintext (or with the
 * envelope code that stopped the payload).
 */
export type DecryptRequest =
  /** A payload to decrypt: the file, where its chunks start, the bundle's length, the payload key K_payload. */
  | {
      op: 'open';
      id: number;
      path: string;
      payloadOffset: number;
      plainLength: number;
      chunkExponent: number;
      key: Uint8Array;
    }
  /** The next bytes of the payload into `sab` (up to its length): only bytes of chunks whose tag was checked. */
  | { op: 'fill'; id: number; sab: SharedArrayBuffer }
  | { op: 'close'; id: number };

/** `length` bytes were written at the start of the slot; `end`: the payload ends with them. */
export type DecryptReply = { op: 'filled'; id: number; length: number; end: boolean } | null;
