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
interface Open {
  sv: ChainStreamVerifier;
  ring: SharedArrayBuffer;
  slotBytes: number;
}
const streams = new Map<number, Open | Error>();
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
      streams.set(m.stream, { sv: new ChainStreamVerifier(m.init, k), ring: m.ring, slotBytes: m.slotBytes });
      return;
    }
    const s = streams.get(m.stream);
    // Dropped (cancelled) or already failed (reported once): the rest of its messages are ignored.
    if (s === undefined || s instanceof Error) {
      if (m.kind === 'finish') streams.delete(m.stream);
      return;
    }
    if (m.kind === 'slot') {
      if (
        !Number.isInteger(m.slot) ||
        m.slot < 0 ||
        m.length < 0 ||
        m.length > s.slotBytes ||
        (m.slot + 1) * s.slotBytes > s.ring.byteLength
      ) {
        throw new Error(`slot ${m.slot} (${m.length} bytes) outside the ring`);
      }
      // In place: the engine refills this slot only after this acknowledgement, and
      // ChainStreamVerifier keeps no view into a block once push() has returned.
      s.sv.push(new Uint8Array(s.ring, m.slot * s.slotBytes, m.length));
      return reply({ kind: 'ack', stream: m.stream, progress: s.sv.progress, slot: m.slot });
    }
    if (m.kind === 'block') {
      s.sv.push(m.bytes);
      return reply({ kind: 'ack', stream: m.stream, progress: s.sv.progress, slot: null });
    }
    streams.delete(m.stream);
    reply({ kind: 'result', stream: m.stream, result: s.sv.finish() });
  } catch (err) {
    const e = err instanceof Error ? err : new Error(String(err));
    if (m.kind !== 'finish') streams.set(m.stream, e);
    reply({ kind: 'failed', stream: m.stream, message: e.message });
  }
}
