import { createHash, type Hash } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { toHex } from '../../../shared/bytes';
import type { Blake3 } from '../../../shared/chain';
import { WorkerPool } from '../workers/pool';
import type { EventDigestTally, HashWorkerReply, HashWorkerRequest } from './hash-protocol';

const ENTRY = { source: new URL('./hash-worker.ts', import.meta.url), bundled: 'bundle-hash-worker.mjs' };

/** A member's digests; `events`: the event digests the worker checked (events.bin only, worker only). */
export interface MemberDigests {
  sha256: string;
  blake3: string;
  events?: EventDigestTally | null;
}

/** SHA-256 and BLAKE3 of one bundle member, fed in order. */
export interface MemberStreamHasher {
  /** Hashes `chunk` (copied: the caller may reuse its buffer at once). */
  update(chunk: Uint8Array): void;
  /** Bytes handed over and not hashed yet. */
  readonly inflight: number;
  /** Resolves once at most `bytes` are in flight (rejects if the hasher failed). */
  drain(bytes: number): Promise<void>;
  digest(): Promise<MemberDigests>;
  /** Forget the stream (the bundle turned out unusable). */
  abort(): void;
}

/** In the calling thread: for the small members, and wherever a worker is not wanted. */
export function inlineMemberHasher(b3: Blake3): MemberStreamHasher {
  const sha = createHash('sha256');
  const h = b3.createHasher();
  return {
    update(chunk) {
      sha.update(chunk);
      h.update(chunk);
    },
    inflight: 0,
    drain: async () => {},
    digest: async () => ({ sha256: sha.digest('hex'), blake3: toHex(h.digest()) }),
    abort() {},
  };
}

const BUFFER_BYTES = 1 << 20;
/** Enough for what the verifier lets be in flight (HASH_INFLIGHT_MAX in verify.ts) and a little more. */
const MAX_FREE_BUFFERS = 24;

interface StreamState {
  inflight: number;
  /** The slot each message in flight reads (null: a copy), in the order the acks come back. */
  pending: (SharedSlot | null)[];
  failed: Error | null;
  waiters: { bytes: number; resolve: () => void; reject: (e: Error) => void }[];
  done: { resolve: (d: MemberDigests) => void; reject: (e: Error) => void } | null;
  /** events.bin: its SHA-256 is computed on the sending thread (the worker has the event digests). */
  sha: Hash | null;
}

/**
 * One worker thread for the process, started on first use, holding the process alive only while
 * a stream is open. A worker that dies fails its open streams (the verification reports it) and
 * is replaced on the next use.
 */
class HashWorkerClient {
  private readonly pool = new WorkerPool<HashWorkerRequest, HashWorkerReply | null>(ENTRY, {
    size: 1,
    label: 'bundle hash',
    eager: false,
  });
  /** Buffers back from the worker, for the next chunks. */
  private readonly free: ArrayBuffer[] = [];
  private nextId = 1;

  private failStream(s: StreamState, err: Error): void {
    if (s.failed) return;
    s.failed = err;
    for (const slot of s.pending.splice(0)) slot?.release();
    for (const x of s.waiters.splice(0)) x.reject(err);
    s.done?.reject(err);
  }

  /** Hands a chunk of a member to the worker, in place when it lies in shared memory. */
  private forward(
    s: StreamState,
    id: number,
    chunk: Uint8Array,
    send: (m: HashWorkerRequest, transfer?: ArrayBuffer[]) => void,
  ): void {
    const slot = sharedSlots.get(chunk.buffer);
    if (slot) {
      // Bytes the reader put in shared memory: hashed where they lie; the slot is not
      // refilled before the worker is done with it.
      slot.refs++;
      s.pending.push(slot);
      s.inflight += chunk.length;
      const sab = chunk.buffer as SharedArrayBuffer;
      return send({ op: 'shared', id, sab, offset: chunk.byteOffset, length: chunk.length });
    }
    // Copied into buffers that travel to the worker and back: the reader's buffer is never
    // transferred, and fresh 1 MiB allocations (page faults) cost more than the copy itself.
    for (let at = 0; at < chunk.length; at += BUFFER_BYTES) {
      const n = Math.min(BUFFER_BYTES, chunk.length - at);
      const buffer = this.free.pop() ?? new ArrayBuffer(BUFFER_BYTES);
      new Uint8Array(buffer, 0, n).set(chunk.subarray(at, at + n));
      s.inflight += n;
      s.pending.push(null);
      send({ op: 'data', id, buffer, length: n }, [buffer]);
    }
  }

  open(events?: { maxEventBytes: number; sha256OnSender?: boolean }): MemberStreamHasher {
    const w = this.pool.at(0);
    const id = this.nextId++;
    const s: StreamState = {
      inflight: 0,
      pending: [],
      failed: null,
      waiters: [],
      done: null,
      sha: events?.sha256OnSender ? createHash('sha256') : null,
    };
    let open = true;
    const close = () => {
      if (open) w.release();
      open = false;
    };
    const fail = (e: unknown) => {
      close();
      this.failStream(s, e as Error);
    };
    const acked = (m: HashWorkerReply | null) => {
      if (m?.op !== 'ack') return;
      if (m.buffer && this.free.length < MAX_FREE_BUFFERS) this.free.push(m.buffer);
      if (!open) return;
      s.pending.shift()?.release();
      s.inflight -= m.bytes;
      s.waiters = s.waiters.filter((x) => (s.inflight <= x.bytes ? (x.resolve(), false) : true));
    };
    const send = (m: HashWorkerRequest, transfer?: ArrayBuffer[]) => void w.call(m, transfer).then(acked, fail);
    w.hold();
    w.post(events ? { op: 'begin', id, events } : { op: 'begin', id });
    let ended = false;
    return {
      update: (chunk) => {
        if (s.failed || ended) return;
        s.sha?.update(chunk);
        this.forward(s, id, chunk, send);
      },
      get inflight() {
        return s.inflight;
      },
      drain(bytes) {
        if (s.failed) return Promise.reject(s.failed);
        if (s.inflight <= bytes) return Promise.resolve();
        return new Promise((resolve, reject) => s.waiters.push({ bytes, resolve, reject }));
      },
      digest: () => {
        if (s.failed) return Promise.reject(s.failed);
        ended = true;
        return new Promise((resolve, reject) => {
          s.done = { resolve, reject };
          w.call({ op: 'end', id }).then((m) => {
            if (m?.op !== 'digest') return;
            close();
            lastEngine = m.engine;
            const sha256 = s.sha ? s.sha.digest('hex') : m.sha256;
            resolve(m.events ? { sha256, blake3: m.blake3, events: m.events } : { sha256, blake3: m.blake3 });
          }, fail);
        });
      },
      abort: () => {
        if (ended || !open) return;
        ended = true;
        // The reader is finished with its slots as well: nothing refills them any more.
        for (const slot of s.pending.splice(0)) slot?.release();
        close();
        w.post({ op: 'abort', id });
      },
    };
  }
}

/**
 * A 1 MiB slot of shared memory the file reader (or the decryption worker) fills and the hash
 * worker reads in place. Chunks handed to `update` that lie in a slot are not copied.
 */
export class SharedSlot {
  readonly sab = new SharedArrayBuffer(SLOT_BYTES);
  readonly view = new Uint8Array(this.sab);
  refs = 0;
  private waiting: (() => void) | null = null;

  constructor() {
    sharedSlots.set(this.sab, this);
  }

  release(): void {
    if (--this.refs === 0 && this.waiting) {
      const w = this.waiting;
      this.waiting = null;
      w();
    }
  }

  idle(): Promise<void> | null {
    return this.refs === 0 ? null : new Promise((resolve) => (this.waiting = resolve));
  }
}

export const SLOT_BYTES = 1 << 20;
/**
 * Slots per file read. A slot is refilled only after the reader went round the ring, so views
 * into it that the verifier keeps for a while (the chain verifier's last few rows) are long
 * dropped by then; and only once the worker acknowledged its bytes (this bounds what is in flight).
 */
export const RING_SLOTS = 32;
const sharedSlots = new WeakMap<ArrayBufferLike, SharedSlot>();

/**
 * The bytes of `chunks` copied into a ring of shared-memory slots (as readFileShared reads a
 * file): for bytes made on this thread, e.g. an encrypted bundle's decrypted as it is read, so
 * that the hash worker still takes them without a further copy. Same validity rule for views.
 */
export async function* intoSharedSlots(
  chunks: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
): AsyncGenerator<Uint8Array> {
  const ring: SharedSlot[] = [];
  let k = 0;
  for await (const chunk of chunks) {
    for (let at = 0; at < chunk.length; at += SLOT_BYTES) {
      let slot = ring[k % RING_SLOTS];
      if (!slot) {
        slot = new SharedSlot();
        ring.push(slot);
      } else await slot.idle();
      k++;
      const n = Math.min(SLOT_BYTES, chunk.length - at);
      slot.view.set(chunk.subarray(at, at + n));
      yield slot.view.subarray(0, n);
    }
  }
}

/**
 * Reads a file once, in order, into a ring of shared-memory slots: the chunks it yields can go to
 * the hash worker without a copy (see update above). Views into a chunk stay valid for the next
 * RING_SLOTS − 1 chunks; keep a copy of anything needed longer.
 */
export async function* readFileShared(path: string): AsyncGenerator<Uint8Array> {
  // Synchronous reads: from the page cache they cost a fraction of FileHandle#read's round trip
  // through the thread pool (figures: docs/benchmarks.md). The verifier's thread still yields between chunks whenever it waits for the hash
  // worker (a slot to come back, or the bytes in flight to drain).
  const fd = openSync(path, 'r');
  try {
    const ring: SharedSlot[] = [];
    for (let k = 0; ; k++) {
      let slot = ring[k % RING_SLOTS];
      if (!slot) {
        slot = new SharedSlot();
        ring.push(slot);
      } else await slot.idle();
      const bytesRead = readSync(fd, slot.view, 0, SLOT_BYTES, null);
      if (bytesRead === 0) return;
      yield slot.view.subarray(0, bytesRead);
    }
  } finally {
    closeSync(fd);
  }
}

let client: HashWorkerClient | null = null;

let lastEngine: string | null = null;

/**
 * A hasher whose work runs in the process's bundle hash worker (another core). With `events`, the
 * member is events.bin and the worker also checks every event digest (MemberDigests.events).
 */
export function workerMemberHasher(events?: { maxEventBytes: number; sha256OnSender?: boolean }): MemberStreamHasher {
  client ??= new HashWorkerClient();
  return client.open(events);
}

/** The BLAKE3 engine the hash worker used for its last finished stream ('native' or 'wasm'; null before any). */
export function hashWorkerEngine(): string | null {
  return lastEngine;
}
