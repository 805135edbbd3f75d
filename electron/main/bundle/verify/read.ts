import { createReadStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { BundleFatal, RangeSchema, TarReader, memberKind } from '../../../../shared/bundle';
import {
  inlineMemberHasher,
  intoSharedSlots,
  readFileShared,
  workerMemberHasher,
  type MemberStreamHasher,
} from '../member-hasher';
import { readCertificate, readCrl } from './certificates';
import { checkCheckpoint, readGatewayKeys } from './checkpoints';
import { endEvents, feedEvents, startEvents } from './events';
import { checkMagic } from './manifest';
import { memberOf } from './parse';
import { readPolicyMember } from './policies';
import { checkConsistency, checkTlogProof } from './proofs';
import { readReview } from './reviews';
import { readCosignatures } from './witnesses';
import type { MemberSeen, VerifyState } from './state';

/** Bytes of events.bin handed to the hash worker and not hashed yet, at most. */
const HASH_INFLIGHT_MAX = 16 << 20;

/** A small member, whole, handed to the checker of its kind (their order is fixed by the format). */
function onSmall(s: VerifyState, name: string, kind: string, bytes: Uint8Array): void {
  switch (kind) {
    case 'magic':
      s.version = checkMagic(name, bytes);
      return;
    case 'range':
      s.range = memberOf(s, name, bytes, RangeSchema) ?? null;
      return;
    case 'gateway-keys':
      return readGatewayKeys(s, name, bytes);
    case 'checkpoint':
      return checkCheckpoint(s, name, bytes);
    case 'consistency':
      return checkConsistency(s, name, bytes);
    case 'cosignatures':
      return readCosignatures(s, name, bytes);
    case 'proof':
      return checkTlogProof(s, name, bytes);
    case 'policy':
      return readPolicyMember(s, name, bytes);
    case 'review':
      return readReview(s, name, bytes);
    case 'cert':
    case 'signer':
      return readCertificate(s, name, kind, bytes);
    case 'crl':
      return readCrl(s, name, bytes);
    default:
      return;
  }
}

interface Current {
  name: string;
  kind: string;
  size: number;
  hasher: MemberStreamHasher;
  buf: Uint8Array | null;
  fill: number;
  index: number;
}

/**
 * The tar, member by member. Small members are hashed here as they pass and kept; events.bin
 * (nearly all the bytes) is hashed by the hash worker on another core while this thread parses its
 * records and checks the chain.
 */
class MemberReader {
  private current: Current | null = null;
  private smallTotal = 0;
  private lastRank = -1;
  /** The worker hasher of the member being read, if any. */
  streamHasher: MemberStreamHasher | null = null;
  readonly pendingDigests: Promise<void>[] = [];
  constructor(private readonly s: VerifyState) {}

  begin(name: string, size: number, index: number): void {
    const { s } = this;
    if (index === 0 && name !== 'ARX-BUNDLE')
      throw new BundleFatal(
        'BUNDLE_NOT_A_BUNDLE',
        `the file is a tar archive but not an ARX bundle (its first member is "${name.slice(0, 60)}", not ARX-BUNDLE)`,
        { member: name },
      );
    if (s.seen.has(name))
      throw new BundleFatal('BUNDLE_MEMBER_DUPLICATE', `member "${name}" appears twice`, { member: name, index });
    const { kind, rank } = memberKind(name);
    if (rank >= 0) {
      if (rank < this.lastRank)
        throw new BundleFatal(
          'BUNDLE_MEMBER_ORDER',
          `member "${name}" is out of order (docs/bundle-format.md §3 fixes the order)`,
          {
            member: name,
            index,
          },
        );
      this.lastRank = rank;
    }
    const streamed = kind === 'events' || kind === 'unknown';
    if (!streamed) this.admitSmall(name, size);
    if (kind === 'events') startEvents(s, name);
    const checkDigests = kind === 'events' && s.events.scanner !== null && s.digestsInWorker;
    const hasher =
      streamed && s.opts.hashWorker !== false
        ? (this.streamHasher = workerMemberHasher(
            checkDigests ? { maxEventBytes: s.limits.maxEventBytes, sha256OnSender: true } : undefined,
          ))
        : inlineMemberHasher(s.b3);
    this.current = { name, kind, size, hasher, buf: streamed ? null : new Uint8Array(size), fill: 0, index };
  }

  /** Small members are kept in memory: bounded one by one and together. */
  private admitSmall(name: string, size: number): void {
    const { limits } = this.s;
    if (size > limits.maxMemberBytes)
      throw new BundleFatal(
        'BUNDLE_MEMBER_TOO_LARGE',
        `member "${name}" declares ${size} bytes (limit ${limits.maxMemberBytes})`,
        {
          member: name,
        },
      );
    this.smallTotal += size;
    if (this.smallTotal > limits.maxSmallBytes)
      throw new BundleFatal(
        'BUNDLE_TOO_LARGE',
        `the bundle's small members exceed ${limits.maxSmallBytes} bytes together`,
        {
          member: name,
        },
      );
  }

  data(chunk: Uint8Array): void {
    const c = this.current!;
    c.hasher.update(chunk);
    if (c.buf) {
      c.buf.set(chunk, c.fill);
      c.fill += chunk.length;
    } else if (c.kind === 'events') feedEvents(this.s, chunk);
  }

  end(): void {
    const { s } = this;
    const c = this.current!;
    this.current = null;
    const m: MemberSeen = { name: c.name, size: c.size, sha256: '', blake3: '', index: c.index };
    const digested = c.hasher.digest().then((d) => {
      m.sha256 = d.sha256;
      m.blake3 = d.blake3;
      if (d.events !== undefined) s.events.workerTally = d.events;
    });
    digested.catch(() => {}); // awaited after the read; a bundle that turns out unusable never asks
    this.pendingDigests.push(digested);
    if (c.hasher === this.streamHasher) this.streamHasher = null;
    s.seen.set(c.name, m);
    s.order.push(m);
    if (c.buf) {
      s.small.set(c.name, c.buf);
      onSmall(s, c.name, c.kind, c.buf);
    } else if (c.kind === 'events') endEvents(s);
  }
}

/** Copies of chunks that lie in slots to be reused: for the inflater, which may hold its input for a while. */
async function* copies(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  for await (const c of chunks) yield Buffer.from(c);
}

async function* toAsync(chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  yield* chunks;
}

/** The file as a stream of tar bytes: gunzipped when it is gzip-compressed, with ratio and size limits. */
function tarBytes(s: VerifyState, path: string, compressed: boolean) {
  // Uncompressed (what the exporter writes): read into shared memory, so that the hash worker
  // hashes events.bin where it lies; gzip: through the inflater, and the worker gets copies. An
  // encrypted bundle's bytes come from its decryption (opts.source), never from a file in clear.
  const given = s.opts.source?.chunks() ?? null;
  const shared = s.opts.source?.shared === true;
  const file = compressed
    ? given
      ? Readable.from(shared ? copies(given) : given, { objectMode: false })
      : createReadStream(path, { highWaterMark: 1 << 20 })
    : null;
  const counted = { in: 0, out: 0 };
  let source: AsyncIterable<Uint8Array> =
    file ?? (given ? (shared ? toAsync(given) : intoSharedSlots(given)) : readFileShared(path));
  if (file) {
    const counter = new Transform({
      transform(chunk: Buffer, _enc, done) {
        counted.in += chunk.length;
        done(null, chunk);
      },
    });
    source = file.pipe(counter).pipe(createGunzip({ chunkSize: 1 << 20 }));
    counter.on('error', (e) => (source as unknown as NodeJS.ReadableStream).emit('error', e));
    file.on('error', (e: Error) => (source as unknown as NodeJS.ReadableStream).emit('error', e));
  }
  const { limits } = s;
  async function* checked(): AsyncGenerator<Uint8Array> {
    for await (const chunk of source) {
      counted.out += chunk.length;
      if (!compressed) counted.in = counted.out;
      if (compressed && counted.out > limits.ratioGraceBytes && counted.out > counted.in * limits.maxCompressionRatio) {
        throw new BundleFatal(
          'BUNDLE_COMPRESSION_RATIO',
          `the gzip stream expands more than ${limits.maxCompressionRatio}:1 (${counted.out} bytes from ${counted.in}): a compression bomb`,
          { offset: counted.in },
        );
      }
      yield chunk;
    }
  }
  return { chunks: checked(), counted, close: () => file?.destroy() };
}

/**
 * Reads the whole file once, members checked as they pass. Resolves when every member's digests
 * are known; throws BundleFatal (or a stream error) for a file that is not a usable bundle.
 */
export async function readBundle(s: VerifyState, path: string, fileSize: number, compressed: boolean): Promise<void> {
  const members = new MemberReader(s);
  const tar = new TarReader(members, s.limits);
  const input = tarBytes(s, path, compressed);
  let lastProgress = 0;
  try {
    for await (const chunk of input.chunks) {
      tar.push(chunk);
      await s.replay.replay?.drain();
      // Let the event loop run between reads. The reads, the hash worker's hand-over and the
      // awaits above settle as microtasks, so without this a verification that keeps ahead of its
      // workers never lets a message in: the replay pool's "ready" (its decisions were then all
      // replayed on this thread, the pool idle), and in the console the IPC of the window.
      await new Promise<void>((resolve) => setImmediate(resolve));
      // Bounded hand-over to the hash worker: memory stays flat however large events.bin is.
      const sh = members.streamHasher;
      if (sh && sh.inflight > HASH_INFLIGHT_MAX) await sh.drain(HASH_INFLIGHT_MAX / 2);
      if (s.opts.onProgress && input.counted.out - lastProgress > 64 << 20) {
        lastProgress = input.counted.out;
        s.opts.onProgress({ bytes: input.counted.in, total: fileSize, events: s.events.count });
      }
    }
  } finally {
    input.close();
    members.streamHasher?.abort();
  }
  tar.end();
  await Promise.all(members.pendingDigests);
}
