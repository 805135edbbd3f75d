import type { StreamInit, StreamResult, StreamStats } from './stream-verifier';

/**
 * Requests from the verification engine (main thread) to its digest workers, in the envelope of
 * workers/protocol.ts. A verification opens a stream on one worker with a ring of shared slots (one
 * SharedArrayBuffer, allocated once per verification), writes the raw binary-COPY tuples of each
 * block into a free slot and names the slot; a block larger than a slot travels in a transferred
 * buffer of its own. The worker runs ChainStreamVerifier (digests, links, leaf and node hashes,
 * ChainVerifier, the tenant check) on the slot in place and answers every block with its progress
 * and the slot it frees, which is also the engine's back-pressure. Everything is recomputed from
 * the stored values only. `open` and `drop` are one-way; the others are calls.
 */
export type DigestRequest =
  | { kind: 'open'; stream: number; init: StreamInit; ring: SharedArrayBuffer; slotBytes: number }
  | { kind: 'slot'; stream: number; slot: number; length: number }
  | { kind: 'block'; stream: number; bytes: Uint8Array }
  | { kind: 'finish'; stream: number }
  | { kind: 'drop'; stream: number };

export type DigestReply =
  { kind: 'ack'; progress: StreamStats; slot: number | null } | { kind: 'result'; result: StreamResult };
