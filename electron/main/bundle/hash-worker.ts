/**
 * The bundle verifier's member hasher (member-hasher.ts): SHA-256 and BLAKE3 of a streamed bundle
 * member (events.bin) in a worker thread, so that these two whole-member passes run on another
 * core while the verifier's thread parses the records and checks the chain. For events.bin it also
 * parses the records and checks every event digest d_i (the verifier's thread then takes the
 * stored digests as computed, and verifies again on its own thread if any differed: verify.ts).
 * Streams are numbered; their chunks arrive in order; each chunk is acknowledged (the sender
 * bounds what is in flight).
 *
 * Per event (a million times for 1M events) nothing is allocated: EventRecordScanner hands the
 * record's position, and HashKernel.eventDigestMatches computes d_i from there (through a window of
 * the chunk in WebAssembly memory) and compares it with the stored digest where it lies.
 */
import { createHash, type Hash } from 'node:crypto';
import { EVENT_RECORD_HEADER, EventRecordScanner } from '../../../shared/bundle/events';
import type { Blake3Hasher } from '../../../shared/chain';
import { loadHashKernel, loadLargeBlake3, type HashKernel, type LargeBlake3 } from '../crypto/blake3';
import { ArxFailure } from '../../../shared/contract';
import { serveWorker, Transfer } from '../workers/serve';
import type { EventDigestTally, HashWorkerReply, HashWorkerRequest } from './hash-protocol';

interface Stream {
  sha: Hash | null;
  b3: Blake3Hasher;
  events: { scanner: EventRecordScanner; tally: EventDigestTally; failed: boolean; kernel: HashKernel } | null;
}
const streams = new Map<number, Stream>();

interface Tools {
  large: LargeBlake3;
  kernel: HashKernel;
}
const loadTools = (): Promise<Tools> =>
  Promise.all([loadLargeBlake3(), loadHashKernel()]).then(([large, kernel]) => ({ large, kernel }));

/**
 * This thread's copy of a shared chunk's bytes, for parsing: V8 copies out of a SharedArrayBuffer
 * (TypedArray#set, as eventDigest does per event) with relaxed atomic loads, byte by byte when
 * source and target are not aligned alike, several times slower per event than copying from
 * ordinary memory after one bulk copy of the chunk, done word by word with the chunk's alignment
 * kept (figures: docs/benchmarks.md).
 */
let local = new Uint8Array(0);

function feed(s: Stream, chunk: Uint8Array): void {
  s.sha?.update(chunk);
  s.b3.update(chunk);
  const ev = s.events;
  if (ev && !ev.failed) {
    let bytes = chunk;
    if (chunk.buffer instanceof SharedArrayBuffer) {
      const align = chunk.byteOffset & 7;
      if (local.length < align + chunk.length) local = new Uint8Array(align + Math.max(chunk.length, 1 << 20));
      local.set(chunk, align);
      bytes = local.subarray(align, align + chunk.length);
    }
    ev.kernel.restage(); // the bytes of `local` (or of a reused transfer buffer) are new
    try {
      ev.scanner.push(bytes);
    } catch {
      // A malformed record: the verifier's thread finds and reports it (same parser, same bytes);
      // digests are checked up to it, as the verifier's chain check does.
      ev.failed = true;
    }
  }
}

function begin(m: Extract<HashWorkerRequest, { op: 'begin' }>, { large, kernel }: Tools): void {
  let events: Stream['events'] = null;
  if (m.events) {
    const tally: EventDigestTally = { checked: 0, mismatches: 0 };
    // buf[at, at+76) is the record's header (u64be seq ‖ u32be len ‖ d ‖ h), the event's bytes follow.
    const scanner = new EventRecordScanner((buf, at, _seq, len) => {
      tally.checked++;
      if (!kernel.eventDigestMatches(buf, at + EVENT_RECORD_HEADER, len, buf, at + 12)) tally.mismatches++;
    }, m.events.maxEventBytes);
    events = { scanner, tally, failed: false, kernel };
  }
  streams.set(m.id, {
    sha: m.events?.sha256OnSender ? null : createHash('sha256'),
    b3: large.blake3.createHasher(),
    events,
  });
}

function end(id: number, s: Stream, large: LargeBlake3): HashWorkerReply {
  streams.delete(id);
  let events: EventDigestTally | null = null;
  if (s.events) {
    if (!s.events.failed) {
      try {
        s.events.scanner.end();
      } catch {
        s.events.failed = true;
      }
    }
    events = s.events.tally;
  }
  return {
    op: 'digest',
    id,
    sha256: s.sha?.digest('hex') ?? '',
    blake3: Buffer.from(s.b3.digest()).toString('hex'),
    engine: large.engine,
    events,
  };
}

// Messages are handled one at a time, in order (serveWorker), after the tools have loaded.
function handle(m: HashWorkerRequest, tools: Tools): HashWorkerReply | Transfer<HashWorkerReply> | null {
  if (m.op === 'begin') {
    begin(m, tools);
    return null;
  }
  const s = streams.get(m.id);
  const length = m.op === 'data' || m.op === 'shared' ? m.length : 0;
  // Aborted or failed before: acknowledged so that the sender's accounting ends, nothing hashed.
  if (!s && m.op === 'data') return new Transfer({ op: 'ack', id: m.id, bytes: length, buffer: m.buffer }, [m.buffer]);
  if (!s) return m.op === 'shared' ? { op: 'ack', id: m.id, bytes: length, buffer: null } : null;
  try {
    if (m.op === 'data') {
      feed(s, new Uint8Array(m.buffer, 0, m.length));
      return new Transfer({ op: 'ack', id: m.id, bytes: m.length, buffer: m.buffer }, [m.buffer]);
    }
    if (m.op === 'shared') {
      feed(s, new Uint8Array(m.sab, m.offset, m.length));
      return { op: 'ack', id: m.id, bytes: m.length, buffer: null };
    }
    if (m.op === 'end') return end(m.id, s, tools.large);
    streams.delete(m.id);
    return null;
  } catch (err) {
    streams.delete(m.id);
    const message = err instanceof Error ? err.message : String(err);
    throw new ArxFailure('INTERNAL', `the bundle hash worker failed: ${message.slice(0, 200)}`);
  }
}

serveWorker<HashWorkerRequest, HashWorkerReply | null, Tools>({ init: loadTools, handle });
