/**
 * A digest worker of the verification engine (digest-pool.ts): the per-row work of
 * docs/chain-format.md §5.2 runs here (ChainStreamVerifier), off the thread that reads the database.
 * Preimages come from shared/chain/format.ts and hash-kernel.ts (tested equal); this file defines none.
 */
import { ArxFailure } from '../../../shared/contract';
import { serveWorker } from '../workers/serve';
import type { DigestReply, DigestRequest } from './digest-protocol';
import { loadHashKernel, type HashKernel } from '../crypto/blake3';
import { ChainStreamVerifier } from './stream-verifier';

interface Open {
  sv: ChainStreamVerifier;
  ring: SharedArrayBuffer;
  slotBytes: number;
}
const streams = new Map<number, Open | ArxFailure>();

const failed = (e: unknown) =>
  new ArxFailure(
    'INTERNAL',
    `A chain digest worker failed: ${(e instanceof Error ? e.message : String(e)).slice(0, 200)}`,
  );

function handle(m: DigestRequest, k: HashKernel): DigestReply | null {
  if (m.kind === 'drop') {
    streams.delete(m.stream);
    return null;
  }
  if (m.kind === 'open') {
    streams.set(m.stream, { sv: new ChainStreamVerifier(m.init, k), ring: m.ring, slotBytes: m.slotBytes });
    return null;
  }
  const s = streams.get(m.stream);
  // Dropped (cancelled) or already failed: the rest of its calls are refused with the same failure.
  if (s === undefined || s instanceof ArxFailure) {
    if (m.kind === 'finish') streams.delete(m.stream);
    throw s ?? new ArxFailure('CANCELLED', `Chain digest stream ${m.stream} is not open.`);
  }
  try {
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
      return { kind: 'ack', progress: s.sv.progress, slot: m.slot };
    }
    if (m.kind === 'block') {
      s.sv.push(m.bytes);
      return { kind: 'ack', progress: s.sv.progress, slot: null };
    }
    streams.delete(m.stream);
    return { kind: 'result', result: s.sv.finish() };
  } catch (err) {
    const e = failed(err);
    if (m.kind !== 'finish') streams.set(m.stream, e);
    throw e;
  }
}

serveWorker<DigestRequest, DigestReply | null, HashKernel>({ init: loadHashKernel, handle });
