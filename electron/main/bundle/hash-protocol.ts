/** Messages between the bundle verifier (member-hasher.ts) and its hash worker (hash-worker.ts). */
export type HashWorkerRequest =
  | { op: 'begin'; id: number }
  /** `length` bytes at the start of `buffer` (transferred; the ack gives it back for reuse). */
  | { op: 'data'; id: number; buffer: ArrayBuffer; length: number }
  /** `length` bytes at `offset` of a shared slot of the file reader (hashed in place, not copied). */
  | { op: 'shared'; id: number; sab: SharedArrayBuffer; offset: number; length: number }
  | { op: 'end'; id: number }
  | { op: 'abort'; id: number };

export type HashWorkerReply =
  | { op: 'ack'; id: number; bytes: number; buffer: ArrayBuffer | null }
  | { op: 'digest'; id: number; sha256: string; blake3: string }
  | { op: 'error'; id: number; message: string };
