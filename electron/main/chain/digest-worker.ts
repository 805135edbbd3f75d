/**
 * A digest worker of the verification engine (digest-pool.ts): the per-row work of
 * docs/chain-format.md §5.2 runs here (ChainStreamVerifier), off the thread that reads the database.
 * Preimages come from shared/chain/format.ts and hash-kernel.ts (tested equal); this file defines none.
 */
import { parentPort } from 'node:worker_threads';
import type { DigestReply, DigestRequest } from './digest-protocol';
import { loadHashKernel } from './hash-kernel';
import { ChainStreamVerifier } from './stream-verifier';

const port = parentPort;
if (!port) throw new Error('digest-worker must run in a worker thread');

const kernel = loadHashKernel();
const streams = new Map<number, ChainStreamVerifier | Error>();
// Messages are handled strictly in order (the kernel loads once, asynchronously, at start).
let queue: Promise<unknown> = Promise.resolve();

const reply = (m: DigestReply) => port.postMessage(m);

port.on('message', (m: DigestRequest) => {
  queue = queue.then(() => kernel.then((k) => handle(m, k)));
});

function handle(m: DigestRequest, k: Awaited<typeof kernel>): void {
  if (m.kind === 'ping') return reply({ kind: 'pong', stream: m.stream });
  if (m.kind === 'drop') {
    streams.delete(m.stream);
    return;
  }
  try {
    if (m.kind === 'open') {
      streams.set(m.stream, new ChainStreamVerifier(m.init, k));
      return;
    }
    const s = streams.get(m.stream);
    // Dropped (cancelled) or already failed (reported once): the rest of its messages are ignored.
    if (s === undefined || s instanceof Error) {
      if (m.kind === 'finish') streams.delete(m.stream);
      return;
    }
    if (m.kind === 'block') {
      s.push(m.bytes);
      return reply({ kind: 'ack', stream: m.stream, progress: s.progress });
    }
    streams.delete(m.stream);
    reply({ kind: 'result', stream: m.stream, result: s.finish() });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (m.kind !== 'finish') streams.set(m.stream, e);
    reply({ kind: 'failed', stream: m.stream, message: e.message });
  }
}
