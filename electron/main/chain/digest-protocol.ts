import type { StreamInit, StreamResult, StreamStats } from './stream-verifier';

/**
 * Messages between the verification engine (main thread) and its digest workers. A verification
 * opens a stream on one worker with a ring of shared slots (one SharedArrayBuffer, allocated once
 * per verification), writes the raw binary-COPY tuples of each block into a free slot and names
 * the slot; a block larger than a slot travels in a transferred buffer of its own. The worker runs
 * ChainStreamVerifier (digests, links, leaf and node hashes, ChainVerifier, the tenant check) on the
 * slot in place and acknowledges every block with its progress and the slot it frees, which is also
 * the engine's back-pressure. Everything is recomputed from the stored values only.
 */
export type DigestRequest =
  | { kind: 'open'; stream: number; init: StreamInit; ring: SharedArrayBuffer; slotBytes: number }
  | { kind: 'slot'; stream: number; slot: number; length: number }
  | { kind: 'block'; stream: number; bytes: Uint8Array }
  | { kind: 'finish'; stream: number }
  | { kind: 'drop'; stream: number }
  | { kind: 'ping'; stream: number };

export type DigestReply =
  | { kind: 'ack'; stream: number; progress: StreamStats; slot: number | null }
  | { kind: 'result'; stream: number; result: StreamResult }
  | { kind: 'pong'; stream: number }
  | { kind: 'failed'; stream: number; message: string };
