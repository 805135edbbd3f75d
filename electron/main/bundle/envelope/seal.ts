/**
 * Sealing a bundle file into the envelope: a fresh 32-byte file key wrapped to every recipient
 * (crypto/recipient-wrap.ts, hybrid when the recipient has an ML-KEM-1024 key), the header MACed
 * with a key derived from it, and the bundle encrypted in chunks (STREAM, AES-256-GCM).
 */
import { closeSync, fsyncSync, openSync, readSync, renameSync, rmSync, writeSync } from 'node:fs';
import { createCipheriv, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { ArxFailure } from '../../../../shared/contract';
import { sealToKey } from '../../crypto/recipient-wrap';
import {
  MAC_BYTES,
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
  const sealer = new EnvelopeSealer(outPath, recipients, chunkExponent);
  const input = openSync(plainPath, 'r');
  try {
    const buf = Buffer.alloc(1 << chunkExponent);
    for (let n = readFull(input, buf); n > 0; n = readFull(input, buf)) sealer.write(buf.subarray(0, n));
    return sealer.finish();
  } catch (e) {
    sealer.abort();
    throw e;
  } finally {
    closeSync(input);
  }
}

/**
 * Seals a bundle as it is written: no byte of it in clear reaches a disk. The payload goes to
 * `<out>.partial-…` (mode 0600) behind room left for the header, whose length the recipients fix;
 * one chunk is held back until the next byte (or the end) says whether it is the last; at the end
 * the header with the bundle's length and its MAC are written in front and the file is renamed
 * into place. abort() removes it: nothing is left under either name.
 */
export class EnvelopeSealer {
  private readonly fd: number;
  private readonly tmp: string;
  private readonly fileKey = randomBytes(32);
  private readonly payloadSalt = randomBytes(32);
  private readonly key: Buffer;
  private readonly stanzas: Stanza[];
  private readonly headerBytes: number;
  private readonly chunk: Buffer;
  private fill = 0;
  private index = 0;
  private plainLength = 0;
  private bytes = 0;
  private closed = false;

  constructor(
    private readonly outPath: string,
    recipients: EnvelopeRecipient[],
    private readonly chunkExponent = DEFAULT_CHUNK_EXPONENT,
  ) {
    if (recipients.length === 0)
      throw new ArxFailure('BUNDLE_RECIPIENT_INVALID', 'An encrypted bundle needs at least one recipient.');
    this.stanzas = recipients.map((r) => stanzaFor(r, this.fileKey));
    this.key = subkey(this.fileKey, this.payloadSalt, 'payload');
    this.headerBytes = this.preamble().length + MAC_BYTES;
    this.chunk = Buffer.alloc(1 << chunkExponent);
    this.tmp = `${outPath}.partial-${randomBytes(6).toString('hex')}`;
    this.fd = openSync(this.tmp, 'wx', 0o600);
    this.bytes = writeSync(this.fd, Buffer.alloc(this.headerBytes), 0, this.headerBytes, 0);
  }

  private preamble(): Buffer {
    const header: EnvelopeHeader = {
      chunkExponent: this.chunkExponent,
      payloadSalt: this.payloadSalt,
      plainLength: this.plainLength,
      stanzas: this.stanzas,
    };
    return headerPreamble(encodeHeader(header));
  }

  private seal(last: boolean): void {
    const c = createCipheriv('aes-256-gcm', this.key, chunkNonce(this.index++, last), { authTagLength: TAG_BYTES });
    const out = Buffer.concat([c.update(this.chunk.subarray(0, this.fill)), c.final(), c.getAuthTag()]);
    this.chunk.fill(0, 0, this.fill);
    this.fill = 0;
    for (let at = 0; at < out.length;) at += writeSync(this.fd, out, at, out.length - at, this.bytes + at);
    this.bytes += out.length;
  }

  /** The next bytes of the bundle. */
  write(data: Uint8Array): void {
    if (this.closed) throw new Error('envelope: written after it was finished or aborted');
    this.plainLength += data.length;
    for (let at = 0; at < data.length;) {
      if (this.fill === this.chunk.length) this.seal(false);
      const n = Math.min(this.chunk.length - this.fill, data.length - at);
      this.chunk.set(data.subarray(at, at + n), this.fill);
      this.fill += n;
      at += n;
    }
  }

  /** Seals the last chunk, writes the header and its MAC in front, and renames the file into place. */
  finish(): { bytes: number } {
    this.seal(true);
    const preamble = this.preamble();
    const macKey = subkey(this.fileKey, this.payloadSalt, 'header');
    const head = Buffer.concat([preamble, createHmac('sha256', macKey).update(preamble).digest()]);
    macKey.fill(0);
    if (head.length !== this.headerBytes) throw new Error('envelope: the header changed length');
    writeSync(this.fd, head, 0, head.length, 0);
    fsyncSync(this.fd);
    this.close();
    renameSync(this.tmp, this.outPath);
    return { bytes: this.bytes };
  }

  /** Stops and removes what was written (every failure path). */
  abort(): void {
    if (!this.closed) this.close();
    rmSync(this.tmp, { force: true });
  }

  private close(): void {
    this.closed = true;
    closeSync(this.fd);
    this.key.fill(0);
    this.fileKey.fill(0);
    this.chunk.fill(0);
  }
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
