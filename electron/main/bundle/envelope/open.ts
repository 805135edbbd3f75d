/**
 * Opening an encrypted bundle: the header read and checked, the holder's stanza unwrapped (card or
 * recovery key), the header MAC checked, then the payload decrypted chunk by chunk, each chunk
 * authenticated before it is handed on, straight into the verifier's reading (never to a file).
 */
import { createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { ENVELOPE_LIMITS } from '../../../../shared/bundle';
import { ArxFailure } from '../../../../shared/contract';
import { openWithKey } from '../../crypto/recipient-wrap';
import {
  EnvelopeFatal,
  MAC_BYTES,
  MAGIC,
  TAG_BYTES,
  chunkNonce,
  headerPreamble,
  parseHeader,
  payloadLength,
  type EnvelopeHeader,
} from './format';
import type { EnvelopeOpener } from './keys';
import { WRAP_INFO, readFull, stanzaAad, subkey } from './seal';

/** Whether the file starts with the envelope's magic (an unreadable file is left to the verifier). */
export function isEncryptedBundle(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return false;
  }
  try {
    const head = Buffer.alloc(MAGIC.length);
    return readFull(fd, head) === MAGIC.length && head.equals(MAGIC);
  } finally {
    closeSync(fd);
  }
}

export interface OpenedEnvelope {
  header: EnvelopeHeader;
  /** Where the payload starts in the file. */
  payloadOffset: number;
  /** Who opened it: "card", "recovery key". */
  openedBy: string;
  recipients: number;
  hybrid: boolean;
  key: Buffer;
}

function readHeader(fd: number): { header: EnvelopeHeader; preamble: Buffer; mac: Buffer } {
  const size = fstatSync(fd).size;
  const head = Buffer.alloc(MAGIC.length + 4);
  if (readFull(fd, head) < head.length)
    throw new EnvelopeFatal('BUNDLE_ENVELOPE_TRUNCATED', 'the encrypted bundle ends inside its header', {
      offset: size,
    });
  const h = head.readUInt32BE(MAGIC.length);
  if (h > ENVELOPE_LIMITS.maxHeaderBytes)
    throw new EnvelopeFatal('BUNDLE_ENVELOPE_MALFORMED', `the envelope header claims ${h} bytes`, {
      offset: MAGIC.length,
    });
  const rest = Buffer.alloc(h + MAC_BYTES);
  if (readFull(fd, rest) < rest.length)
    throw new EnvelopeFatal('BUNDLE_ENVELOPE_TRUNCATED', 'the encrypted bundle ends inside its header', {
      offset: size,
    });
  const header = parseHeader(rest.subarray(0, h));
  return { header, preamble: headerPreamble(rest.subarray(0, h)), mac: rest.subarray(h) };
}

async function unwrapFileKey(header: EnvelopeHeader, by: EnvelopeOpener): Promise<Buffer> {
  const i = header.stanzas.findIndex((s) => s.role === by.role && s.recipient.toString('hex') === by.id);
  if (i < 0)
    throw by.role === 'card'
      ? new EnvelopeFatal('BUNDLE_WRONG_CARD', 'this card is not among the recipients of the encrypted bundle', {
          recipient: by.id,
        })
      : new EnvelopeFatal(
          'BUNDLE_RECIPIENT_UNKNOWN',
          'this recovery key is not among the recipients of the encrypted bundle',
          { recipient: by.id },
        );
  const s = header.stanzas[i]!;
  const kind = s.type === 'rsa-oaep' ? 'rsa' : 'ec';
  if (kind !== by.kind)
    throw new EnvelopeFatal('BUNDLE_KEY_UNWRAP_FAILED', `stanza ${i} is of another key type than the ${by.describe}`, {
      stanza: i,
    });
  let plain: Buffer | null;
  try {
    plain = await openWithKey(
      {
        kind,
        exchange: s.exchange,
        salt: s.salt,
        sealed: s.wrapped,
        ...(s.pqCiphertext ? { pqCiphertext: s.pqCiphertext } : {}),
      },
      by,
      { info: WRAP_INFO, aad: stanzaAad(s, s.pqCiphertext !== null), failureCode: 'BUNDLE_KEY_UNWRAP_FAILED' },
    );
  } catch (e) {
    if (e instanceof ArxFailure && e.code === 'BUNDLE_KEY_UNWRAP_FAILED')
      throw new EnvelopeFatal('BUNDLE_KEY_UNWRAP_FAILED', e.message, { stanza: i });
    throw e;
  }
  if (!plain || plain.length !== 32) {
    plain?.fill(0);
    throw new EnvelopeFatal(
      'BUNDLE_KEY_UNWRAP_FAILED',
      `the ${by.describe} does not open its stanza (${i}) of the encrypted bundle`,
      { stanza: i },
    );
  }
  return plain;
}

/** Reads the header and opens it with the first opener that is a recipient (the first one's refusal otherwise). */
export async function openEnvelope(path: string, openers: EnvelopeOpener[]): Promise<OpenedEnvelope> {
  const fd = openSync(path, 'r');
  try {
    const { header, preamble, mac } = readHeader(fd);
    if (openers.length === 0)
      throw new EnvelopeFatal(
        'BUNDLE_ENCRYPTED_KEY_REQUIRED',
        'the bundle is encrypted: open it with a recipient card or the recovery private key',
        {},
      );
    let fileKey: Buffer | null = null;
    let by = openers[0]!;
    let refusal: unknown = null;
    for (const o of openers) {
      try {
        fileKey = await unwrapFileKey(header, o);
        by = o;
        break;
      } catch (e) {
        refusal ??= e;
      }
    }
    if (!fileKey) throw refusal;
    const macKey = subkey(fileKey, header.payloadSalt, 'header');
    const expected = createHmac('sha256', macKey).update(preamble).digest();
    macKey.fill(0);
    if (!timingSafeEqual(expected, mac)) {
      fileKey.fill(0);
      throw new EnvelopeFatal(
        'BUNDLE_ENVELOPE_HEADER_TAMPERED',
        'the envelope header does not match its MAC: it was altered',
        { offset: preamble.length },
      );
    }
    const key = subkey(fileKey, header.payloadSalt, 'payload');
    fileKey.fill(0);
    const expectedSize = preamble.length + MAC_BYTES + payloadLength(header.plainLength, header.chunkExponent);
    const size = fstatSync(fd).size;
    if (size < expectedSize)
      throw new EnvelopeFatal(
        'BUNDLE_ENVELOPE_TRUNCATED',
        `the encrypted bundle ends at byte ${size} of ${expectedSize}`,
        { offset: size },
      );
    if (size > expectedSize)
      throw new EnvelopeFatal(
        'BUNDLE_ENVELOPE_MALFORMED',
        `the encrypted bundle has ${size - expectedSize} bytes after its last chunk`,
        { offset: expectedSize },
      );
    return {
      header,
      payloadOffset: preamble.length + MAC_BYTES,
      openedBy: by.describe,
      recipients: header.stanzas.length,
      hybrid: header.stanzas.some((s) => s.pqCiphertext !== null && s.recipient.toString('hex') === by.id),
      key,
    };
  } finally {
    closeSync(fd);
  }
}

/**
 * The payload decrypted chunk by chunk, in order, as the verifier reads it: nothing in clear is
 * written anywhere. BUNDLE_CIPHERTEXT_TAMPERED at the first chunk that does not authenticate
 * (the chunks before it were yielded: the reader's verdict is then that fatal code).
 */
export function* decryptChunks(path: string, opened: OpenedEnvelope): Generator<Buffer> {
  const { header, key } = opened;
  const size = 1 << header.chunkExponent;
  const chunks = Math.max(1, Math.ceil(header.plainLength / size));
  const fd = openSync(path, 'r');
  const buf = Buffer.alloc(size + TAG_BYTES);
  let at = opened.payloadOffset;
  try {
    for (let i = 0; i < chunks; i++) {
      const last = i === chunks - 1;
      const n = last ? header.plainLength - i * size + TAG_BYTES : size + TAG_BYTES;
      if (readSync(fd, buf, 0, n, at) !== n)
        throw new EnvelopeFatal('BUNDLE_ENVELOPE_TRUNCATED', 'the encrypted bundle ends early', { offset: at });
      const d = createDecipheriv('aes-256-gcm', key, chunkNonce(i, last), { authTagLength: TAG_BYTES });
      d.setAuthTag(buf.subarray(n - TAG_BYTES, n));
      let plain: Buffer;
      try {
        plain = Buffer.concat([d.update(buf.subarray(0, n - TAG_BYTES)), d.final()]);
      } catch {
        throw new EnvelopeFatal(
          'BUNDLE_CIPHERTEXT_TAMPERED',
          `chunk ${i} of the encrypted bundle does not authenticate: it was altered`,
          { offset: at, chunk: i },
        );
      }
      at += n;
      yield plain;
    }
  } finally {
    closeSync(fd);
  }
}
