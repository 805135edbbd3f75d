import type { StreamInit, StreamResult, StreamStats } from './stream-verifier';

/**
 * Messages between the verification engine (main thread) and its digest workers. A verification
 * opens a stream on one worker, sends the raw binary-COPY tuples in blocks (transferred, not
 * copied), and finishes it; the worker runs ChainStreamVerifier (digests, links, leaf and node
 * hashes, ChainVerifier, the tenant check) and acknowledges every block with its progress, which is
 * also the engine's back-pressure. Everything is recomputed from the stored values only.
 */
export type DigestRequest =
  | { kind: 'open'; stream: number; init: StreamInit }
  | { kind: 'block'; stream: number; bytes: Uint8Array }
  | { kind: 'finish'; stream: number }
  | { kind: 'drop'; stream: number }
  | { kind: 'ping'; stream: number };

export type DigestReply =
  | { kind: 'ack'; stream: number; progress: StreamStats }
  | { kind: 'result'; stream: number; result: StreamResult }
  | { kind: 'pong'; stream: number }
  | { kind: 'failed'; stream: number; message: string };
