/**
 * The bundle decryption worker: an encrypted bundle's payload decrypted chunk by chunk (§10.3,
 * AES-256-GCM by OpenSSL) on a thread of its own, so that the decryption overlaps the verifier's
 * parsing and the hash worker. A chunk's plaintext is written into a slot of shared memory only
 * after its tag was checked; the plaintext of a chunk that fails is wiped and never leaves this
 * thread. Nothing is written to a file.
 */
import { createDecipheriv } from 'node:crypto';
import { closeSync, openSync, readSync } from 'node:fs';
import { ArxFailure } from '../../../../shared/contract';
import { serveWorker } from '../../workers/serve';
import type { DecryptReply, DecryptRequest } from './decrypt-protocol';
import { TAG_BYTES, chunkNonce } from './format';

interface Stream {
  fd: number | null;
  key: Buffer;
  chunkBytes: number;
  plainLength: number;
  chunks: number;
  /** The next chunk to decrypt, and where it starts in the file. */
  next: number;
  at: number;
  ciphertext: Buffer;
  /** The last chunk decrypted and authenticated, and how much of it was handed on. */
  plain: Buffer | null;
  used: number;
  /** What stopped the payload: given at the next fill (after the bytes that authenticated). */
  failure: ArxFailure | null;
}
const streams = new Map<number, Stream>();

function open(m: Extract<DecryptRequest, { op: 'open' }>): void {
  const chunkBytes = 2 ** m.chunkExponent;
  const s: Stream = {
    fd: null,
    key: Buffer.from(m.key),
    chunkBytes,
    plainLength: m.plainLength,
    chunks: Math.max(1, Math.ceil(m.plainLength / chunkBytes)),
    next: 0,
    at: m.payloadOffset,
    ciphertext: Buffer.alloc(chunkBytes + TAG_BYTES),
    plain: null,
    used: 0,
    failure: null,
  };
  m.key.fill(0);
  streams.set(m.id, s);
  try {
    s.fd = openSync(m.path, 'r');
  } catch (e) {
    s.failure = new ArxFailure('BUNDLE_UNREADABLE', `Cannot read ${m.path}: ${(e as Error).message}`);
  }
}

/** Decrypts chunk `s.next` into `s.plain`, or throws its envelope code (§10.4 step 7). */
function decryptNext(s: Stream): void {
  const i = s.next;
  const last = i === s.chunks - 1;
  const n = (last ? s.plainLength - i * s.chunkBytes : s.chunkBytes) + TAG_BYTES;
  let got = 0;
  while (got < n) {
    const r = readSync(s.fd!, s.ciphertext, got, n - got, s.at + got);
    if (r === 0)
      throw new ArxFailure('BUNDLE_ENVELOPE_TRUNCATED', 'the encrypted bundle ends early', { offset: s.at + got });
    got += r;
  }
  const d = createDecipheriv('aes-256-gcm', s.key, chunkNonce(i, last), { authTagLength: TAG_BYTES });
  d.setAuthTag(s.ciphertext.subarray(n - TAG_BYTES, n));
  const plain = d.update(s.ciphertext.subarray(0, n - TAG_BYTES));
  try {
    d.final();
  } catch {
    plain.fill(0);
    throw new ArxFailure(
      'BUNDLE_CIPHERTEXT_TAMPERED',
      `chunk ${i} of the encrypted bundle does not authenticate: it was altered`,
      { offset: s.at, chunk: i },
    );
  }
  s.plain = plain;
  s.used = 0;
  s.next++;
  s.at += n;
}

function fill(id: number, s: Stream, sab: SharedArrayBuffer): DecryptReply {
  if (s.failure) throw s.failure;
  const out = new Uint8Array(sab);
  let length = 0;
  while (length < out.length) {
    const plain = s.plain;
    if (plain && s.used < plain.length) {
      const k = Math.min(out.length - length, plain.length - s.used);
      out.set(plain.subarray(s.used, s.used + k), length);
      length += k;
      s.used += k;
      continue;
    }
    if (s.next === s.chunks) break;
    try {
      decryptNext(s);
    } catch (e) {
      s.failure = e as ArxFailure;
      if (length === 0) throw s.failure;
      break; // the bytes that authenticated go first; the failure answers the next fill
    }
  }
  const end = s.failure === null && s.next === s.chunks && (s.plain === null || s.used === s.plain.length);
  return { op: 'filled', id, length, end };
}

function close(id: number): void {
  const s = streams.get(id);
  if (!s) return;
  streams.delete(id);
  if (s.fd !== null) closeSync(s.fd);
  s.key.fill(0);
  s.plain?.fill(0);
}

// One request at a time, in arrival order (serveWorker): a stream's fills are answered in order.
function handle(m: DecryptRequest): DecryptReply {
  if (m.op === 'open') {
    open(m);
    return null;
  }
  if (m.op === 'close') {
    close(m.id);
    return null;
  }
  const s = streams.get(m.id);
  if (!s) throw new ArxFailure('INTERNAL', `the bundle decryption worker has no stream ${m.id}`);
  return fill(m.id, s, m.sab);
}

serveWorker<DecryptRequest, DecryptReply>({ handle });
