import { createHash, randomBytes, type Hash } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, renameSync, rmSync, type WriteStream } from 'node:fs';
import type { Blake3, Blake3Hasher } from '../../../shared/chain';
import { toHex } from '../../../shared/bytes';
import { END_OF_ARCHIVE, padding, ustarHeader } from '../../../shared/bundle';
import type { EnvelopeRecipient } from './envelope/keys';
import { EnvelopeSealer } from './envelope/seal';

/** Permissions of a written bundle. */
export const BUNDLE_FILE_MODE = 0o600;

export interface WrittenMember {
  name: string;
  size: number;
  sha256: string;
  blake3: string;
}

/**
 * Writes the canonical ustar stream of a bundle to `<out>.partial-…` and renames it into place
 * only when complete (never a partial bundle under the final name). Each member is hashed with
 * SHA-256 and BLAKE3 as it is written; the whole file with SHA-256 (for the export audit event).
 * With recipients the stream goes straight into the envelope (§10): the bundle is never on disk
 * in clear, under any name.
 */
export class BundleTarWriter {
  readonly members: WrittenMember[] = [];
  private readonly stream: WriteStream | null = null;
  private readonly sealer: EnvelopeSealer | null = null;
  private readonly tmp: string = '';
  private readonly fileHash = createHash('sha256');
  private bytes = 0;
  private current: { name: string; size: number; written: number; sha: Hash; b3: Blake3Hasher } | null = null;
  private failed: Error | null = null;

  constructor(
    readonly outPath: string,
    private readonly blake3: Blake3,
    sealTo: EnvelopeRecipient[] = [],
  ) {
    if (sealTo.length) {
      this.sealer = new EnvelopeSealer(outPath, sealTo);
      return;
    }
    this.tmp = `${outPath}.partial-${randomBytes(4).toString('hex')}`;
    // Owner only: a bundle holds a tenant's raw events (the umask can only narrow this).
    this.stream = createWriteStream(this.tmp, { flags: 'wx', mode: BUNDLE_FILE_MODE });
    this.stream.on('error', (e) => (this.failed = e));
  }

  private async raw(chunk: Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    this.fileHash.update(chunk);
    this.bytes += chunk.length;
    if (this.sealer) this.sealer.write(chunk);
    else if (!this.stream!.write(chunk)) await once(this.stream!, 'drain');
  }

  async begin(name: string, size: number): Promise<void> {
    if (this.current) throw new Error(`tar: member ${this.current.name} is not finished`);
    await this.raw(ustarHeader(name, size));
    this.current = { name, size, written: 0, sha: createHash('sha256'), b3: this.blake3.createHasher() };
  }

  // Small writes (a 76-byte record header, a 1 KB event) are gathered into 1 MiB blocks before
  // they are hashed and written: the WASM BLAKE3 hasher saves and restores its state per update.
  private pending = Buffer.allocUnsafe(1 << 20);
  private pendingLength = 0;

  private async flush(): Promise<void> {
    if (this.pendingLength === 0) return;
    const c = this.current!;
    const block = this.pending.subarray(0, this.pendingLength);
    c.sha.update(block);
    c.b3.update(block);
    await this.raw(Buffer.from(block));
    this.pendingLength = 0;
  }

  async write(chunk: Uint8Array): Promise<void> {
    const c = this.current!;
    if (c.written + chunk.length > c.size)
      throw new Error(`tar: member ${c.name} is longer than its declared ${c.size} bytes`);
    c.written += chunk.length;
    if (this.pendingLength + chunk.length > this.pending.length) await this.flush();
    if (chunk.length >= this.pending.length) {
      c.sha.update(chunk);
      c.b3.update(chunk);
      await this.raw(chunk);
      return;
    }
    this.pending.set(chunk, this.pendingLength);
    this.pendingLength += chunk.length;
  }

  async end(): Promise<WrittenMember> {
    await this.flush();
    const c = this.current!;
    if (c.written !== c.size) throw new Error(`tar: member ${c.name} has ${c.written} of its declared ${c.size} bytes`);
    const pad = padding(c.size);
    if (pad) await this.raw(new Uint8Array(pad));
    const m = { name: c.name, size: c.size, sha256: c.sha.digest('hex'), blake3: toHex(c.b3.digest()) };
    this.members.push(m);
    this.current = null;
    return m;
  }

  async add(name: string, bytes: Uint8Array): Promise<WrittenMember> {
    await this.begin(name, bytes.length);
    if (bytes.length) await this.write(bytes);
    return this.end();
  }

  /**
   * Ends the archive and moves it into place; returns the bundle's SHA-256 and size (the bytes
   * inside the envelope when sealed) and, sealed, the encrypted file's size.
   */
  async finish(): Promise<{ sha256: string; bytes: number; sealedBytes: number | null }> {
    await this.raw(END_OF_ARCHIVE);
    let sealedBytes: number | null = null;
    if (this.sealer) sealedBytes = this.sealer.finish().bytes;
    else {
      this.stream!.end();
      await once(this.stream!, 'finish');
      if (this.failed) throw this.failed;
      renameSync(this.tmp, this.outPath);
    }
    return { sha256: this.fileHash.digest('hex'), bytes: this.bytes, sealedBytes };
  }

  abort(): void {
    if (this.sealer) return this.sealer.abort();
    this.stream!.destroy();
    rmSync(this.tmp, { force: true });
  }
}
