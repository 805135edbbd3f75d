/**
 * The bundle verifier's member hasher (member-hasher.ts): SHA-256 and BLAKE3 of a streamed bundle
 * member (events.bin) in a worker thread, so that these two whole-member passes run on another
 * core while the verifier's thread parses the records and checks the chain. Streams are numbered;
 * their chunks arrive in order; each chunk is acknowledged (the sender bounds what is in flight).
 */
import { createHash, type Hash } from 'node:crypto';
import { parentPort } from 'node:worker_threads';
import { createBLAKE3, type IHasher } from 'hash-wasm';
import type { HashWorkerReply, HashWorkerRequest } from './hash-protocol';

const port = parentPort;
if (!port) throw new Error('hash-worker must run in a worker thread');

const streams = new Map<number, { sha: Hash; b3: Promise<IHasher> }>();

// One message at a time, in order: BLAKE3 instances are created asynchronously, so every step
// waits for the stream's instance.
let queue: Promise<void> = Promise.resolve();

port.on('message', (m: HashWorkerRequest) => {
  queue = queue.then(async () => {
    const reply = (r: HashWorkerReply) => port.postMessage(r);
    try {
      if (m.op === 'begin') {
        streams.set(m.id, { sha: createHash('sha256'), b3: createBLAKE3().then((h) => h.init()) });
        return;
      }
      const s = streams.get(m.id);
      if (!s) return; // aborted
      if (m.op === 'data') {
        const chunk = new Uint8Array(m.buffer, 0, m.length);
        s.sha.update(chunk);
        (await s.b3).update(chunk);
        port.postMessage({ op: 'ack', id: m.id, bytes: m.length, buffer: m.buffer } satisfies HashWorkerReply, [m.buffer]);
      } else if (m.op === 'shared') {
        const chunk = new Uint8Array(m.sab, m.offset, m.length);
        s.sha.update(chunk);
        (await s.b3).update(chunk);
        reply({ op: 'ack', id: m.id, bytes: m.length, buffer: null });
      } else if (m.op === 'end') {
        streams.delete(m.id);
        reply({ op: 'digest', id: m.id, sha256: s.sha.digest('hex'), blake3: (await s.b3).digest('hex') });
      } else streams.delete(m.id);
    } catch (err) {
      streams.delete(m.id);
      reply({ op: 'error', id: m.id, message: err instanceof Error ? err.message : String(err) });
    }
  });
});
