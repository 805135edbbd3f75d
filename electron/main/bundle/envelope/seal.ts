/**
 * Sealing a bundle file into the envelope: a fresh 32-byte file key wrapped to every recipient
 * (crypto/recipient-wrap.ts, hybrid when the recipient has an ML-KEM-1024 key), the header MACed
 * with a key derived from it, and the bundle encrypted in chunks (STREAM, AES-256-GCM).
 */
import { closeSync, openSync, readSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ArxFailure } from '../../../../shared/contract';
import { sealToKey } from '../../crypto/recipient-wrap';
import {
  TAG_BYTES,
  chunkNonce,
  encodeHeader,
  headerPreamble,
  stanzaPrefix,
  type EnvelopeHeader,
  type Stanza,
  type StanzaType,
} from './format';
import type { EnvelopeRecipient } from './keys';

export const WRAP_INFO = 'arx-envelope/v1 file key';
export const DEFAULT_CHUNK_EXPONENT = 20;

export const subkey = (fileKey: Uint8Array, salt: Uint8Array, what: 'header' | 'payload') =>
  Buffer.from(hkdfSync('sha256', fileKey, salt, `arx-envelope/v1 ${what}`, 32));

function stanzaType(r: EnvelopeRecipient): StanzaType {
  if (r.publicKey.asymmetricKeyType === 'rsa') return 'rsa-oaep';
  const curve = r.publicKey.asymmetricKeyDetails?.namedCurve;
  if (curve === 'prime256v1') return 'ecdh-p256';
  if (curve === 'secp384r1') return 'ecdh-p384';
  throw new ArxFailure(
    'BUNDLE_RECIPIENT_INVALID',
    `${r.label}: the curve ${curve ?? '?'} cannot receive a bundle (P-256, P-384 or RSA).`,
  );
}

/** The wrap's AAD: the magic and everything of the stanza before its salt. */
export const stanzaAad = (s: Pick<Stanza, 'type' | 'role' | 'recipient'>, hybrid: boolean) => (exchange: Buffer) =>
  Buffer.concat([Buffer.from('arx-envelope/v1\n'), stanzaPrefix({ ...s, exchange, hybrid })]);

export function stanzaFor(r: EnvelopeRecipient, fileKey: Uint8Array): Stanza {
  const type = stanzaType(r);
  const recipient = Buffer.from(r.id, 'hex');
  const aad = stanzaAad({ type, role: r.role, recipient }, r.pq !== null);
  const s = sealToKey(r.publicKey, fileKey, { info: WRAP_INFO, aad }, 'a bundle', r.pq ?? undefined);
  return {
    type,
    role: r.role,
    recipient,
    exchange: s.exchange,
    pqCiphertext: s.pqCiphertext ?? null,
    salt: s.salt,
    wrapped: s.sealed,
  };
}

/** Encrypts `plainPath` into `outPath` (written beside it and renamed into place, mode 0600). */
export function sealBundleFile(
  plainPath: string,
  outPath: string,
  recipients: EnvelopeRecipient[],
  chunkExponent = DEFAULT_CHUNK_EXPONENT,
): { bytes: number } {
  if (recipients.length === 0)
    throw new ArxFailure('BUNDLE_RECIPIENT_INVALID', 'An encrypted bundle needs at least one recipient.');
  const fileKey = randomBytes(32);
  const payloadSalt = randomBytes(32);
  const plainLength = statSync(plainPath).size;
  const header: EnvelopeHeader = {
    chunkExponent,
    payloadSalt,
    plainLength,
    stanzas: recipients.map((r) => stanzaFor(r, fileKey)),
  };
  const preamble = headerPreamble(encodeHeader(header));
  const macKey = subkey(fileKey, payloadSalt, 'header');
  const mac = createHmac('sha256', macKey).update(preamble).digest();
  const key = subkey(fileKey, payloadSalt, 'payload');
  fileKey.fill(0);
  macKey.fill(0);
  const tmp = `${outPath}.partial-${randomBytes(6).toString('hex')}`;
  const input = openSync(plainPath, 'r');
  const out = openSync(tmp, 'wx', 0o600);
  let bytes = 0;
  try {
    bytes += writeSync(out, Buffer.concat([preamble, mac]));
    const size = 1 << chunkExponent;
    let current = Buffer.alloc(size);
    let next = Buffer.alloc(size);
    let n = readFull(input, current);
    for (let i = 0; ; i++) {
      const m = n === size ? readFull(input, next) : 0;
      const last = m === 0;
      const c = createCipheriv('aes-256-gcm', key, chunkNonce(i, last), { authTagLength: TAG_BYTES });
      bytes += writeSync(out, Buffer.concat([c.update(current.subarray(0, n)), c.final(), c.getAuthTag()]));
      if (last) break;
      [current, next] = [next, current];
      n = m;
    }
  } catch (e) {
    closeSync(out);
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    closeSync(input);
    key.fill(0);
  }
  closeSync(out);
  renameSync(tmp, outPath);
  return { bytes };
}

/** Reads until `buf` is full or the file ends; the bytes read. */
export function readFull(fd: number, buf: Buffer): number {
  let got = 0;
  while (got < buf.length) {
    const r = readSync(fd, buf, got, buf.length - got, null);
    if (r === 0) break;
    got += r;
  }
  return got;
}
