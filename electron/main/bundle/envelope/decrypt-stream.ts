/**
 * An encrypted bundle's payload as the verifier reads it, decrypted by the bundle decryption worker
 * (decrypt-worker.ts) a few slots ahead of the reading: the decryption runs on another thread
 * while this one parses and the hash worker hashes. The plaintext lies in shared-memory slots the
 * hash worker reads in place (member-hasher.ts), so it is copied once, by the decryption worker.
 */
import { ENVELOPE_FATAL_CODES, type EnvelopeFatalCode } from '../../../../shared/bundle';
import { ArxFailure } from '../../../../shared/contract';
import { WorkerPool } from '../../workers/pool';
import { RING_SLOTS, SharedSlot } from '../member-hasher';
import type { DecryptReply, DecryptRequest } from './decrypt-protocol';
import { EnvelopeFatal } from './format';
import type { OpenedEnvelope } from './open';

const ENTRY = { source: new URL('./decrypt-worker.ts', import.meta.url), bundled: 'bundle-decrypt-worker.mjs' };
/** Slots the worker may fill ahead of the reading. */
const AHEAD = 4;
/**
 * Slots per reading: the reader's window (views stay valid for the next RING_SLOTS − 1 chunks, as
 * with readFileShared), the slots filled ahead, and the one being refilled.
 */
const SLOTS = RING_SLOTS + AHEAD + 1;

let pool: WorkerPool<DecryptRequest, DecryptReply> | null = null;
let nextId = 1;

/** The process's decryption worker pool (one worker, started on first use, replaced if it stops). */
export function decryptionPool(): WorkerPool<DecryptRequest, DecryptReply> {
  pool ??= new WorkerPool<DecryptRequest, DecryptReply>(ENTRY, {
    size: 1,
    label: 'bundle decryption',
    failureCode: 'BUNDLE_UNREADABLE',
    eager: false,
  });
  return pool;
}

const isEnvelopeCode = (code: string): code is EnvelopeFatalCode =>
  (ENVELOPE_FATAL_CODES as readonly string[]).includes(code);

/** An envelope code as EnvelopeFatal (the verifier reports it as such); anything else as it came (BUNDLE_UNREADABLE). */
function refusal(e: unknown): unknown {
  if (e instanceof ArxFailure && isEnvelopeCode(e.code))
    return new EnvelopeFatal(e.code, e.message, (e.details ?? {}) as Record<string, string | number>);
  return e;
}

/**
 * The payload of `opened`, in order, each chunk a view into a shared slot that stays valid for the
 * next RING_SLOTS − 1 chunks. Throws at the first chunk that does not authenticate, after every
 * byte before it (EnvelopeFatal with its code), or if the worker stops (ArxFailure
 * BUNDLE_UNREADABLE). Leaving the loop early closes the stream in the worker.
 */
export async function* decryptInWorker(path: string, opened: OpenedEnvelope): AsyncGenerator<Uint8Array> {
  const w = decryptionPool().at(0);
  const id = nextId++;
  const { header } = opened;
  const slots: SharedSlot[] = [];
  const queue: { slot: SharedSlot; reply: Promise<DecryptReply> }[] = [];
  let issued = 0;
  // The slot of chunk j was last used by chunk j − SLOTS, which the reader has let go of.
  const issue = async () => {
    const k = issued++ % SLOTS;
    let slot = slots[k];
    if (!slot) slots.push((slot = new SharedSlot()));
    else await slot.idle(); // the hash worker is done with it
    const reply = w.call({ op: 'fill', id, sab: slot.sab });
    reply.catch(() => {}); // read in order below; those issued past a failure are never read
    queue.push({ slot, reply });
  };
  w.hold();
  try {
    const key = Uint8Array.from(opened.key);
    w.post({
      op: 'open',
      id,
      path,
      payloadOffset: opened.payloadOffset,
      plainLength: header.plainLength,
      chunkExponent: header.chunkExponent,
      key,
    });
    key.fill(0); // the message holds its own copy
    for (let j = 0; j < AHEAD; j++) await issue();
    for (;;) {
      await issue();
      const { slot, reply } = queue.shift()!;
      let r: NonNullable<DecryptReply>;
      try {
        r = (await reply)!;
      } catch (e) {
        throw refusal(e);
      }
      if (r.length === 0 && !r.end) throw new ArxFailure('INTERNAL', 'the bundle decryption worker filled nothing');
      if (r.length > 0) yield slot.view.subarray(0, r.length);
      if (r.end) return;
    }
  } finally {
    w.post({ op: 'close', id });
    w.release();
  }
}
