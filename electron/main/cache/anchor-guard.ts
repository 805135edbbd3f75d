/**
 * The file's side of rollback detection (docs/cache.md "Rollback"; the control-plane side is
 * anchor.ts): the anchor key sealed in the file, the MAC of an anchored counter, the committed
 * counter, and the record of the last anchor the file made.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import type { Location } from './envelope';
import type { CacheState } from './cache-state';

const ANCHOR_LOCATION: Location = { table: 'meta', row: 'anchor_key', column: 'value' };

export class AnchorGuard {
  /** A random 256-bit key, sealed in the file, made once per cache (copies share it): it MACs the anchors. */
  private key: Buffer | null = null;

  constructor(private readonly state: CacheState) {}

  get hasKey(): boolean {
    return this.key !== null;
  }

  /** Makes the key and seals it; the caller's transaction writes the manifest that says it exists. */
  create(): void {
    this.key = randomBytes(32);
    this.state.manifest.anchorKey = true;
    this.state.file.setMeta('anchor_key', this.state.seal(ANCHOR_LOCATION, this.key));
  }

  /** Re-seals the key under the writing generation (end of a rotation). */
  reseal(): void {
    if (this.key) this.state.file.setMeta('anchor_key', this.state.seal(ANCHOR_LOCATION, this.key));
  }

  /**
   * Opens the key at unlock. CACHE_FILE_TRUNCATED when the manifest says there is one and it is
   * gone: removing it would make the next unlock start a new key and ignore every anchor.
   */
  load(): void {
    const cell = this.state.file.meta('anchor_key');
    this.key = cell ? this.state.openCell(ANCHOR_LOCATION, cell) : null;
    if (!cell && this.state.manifest.anchorKey) {
      throw new ArxFailure(
        'CACHE_FILE_TRUNCATED',
        'The cache file lost its anchor key (the sealed manifest says it has one).',
      );
    }
  }

  wipe(): void {
    this.key?.fill(0);
    this.key = null;
  }

  /** MAC of one anchored counter of this cache (HMAC-SHA-256 under the anchor key), hex. */
  mac(counter: number): string {
    if (!this.key) throw new ArxFailure('CACHE_LOCKED', 'The cache is locked: log in with your card to open it.');
    return createHmac('sha256', this.key)
      .update(`arx-cache anchor v1\0${this.state.cacheId}\0${counter}`)
      .digest('hex');
  }

  /**
   * The cache id and the change counter of the committed file (read from the sealed manifest in the
   * file, not from memory: a transaction that rolled back never reaches an anchor).
   */
  committed(): { cacheId: string; counter: number; anchored: number | null } {
    this.state.requireUnlocked();
    const manifest = this.state.readManifest();
    return { cacheId: this.state.cacheId, counter: manifest.counter ?? 0, anchored: manifest.anchored ?? null };
  }

  /**
   * Records in the file (one transaction) that it is about to anchor its counter, and returns that
   * counter: the manifest written has `anchored` = `counter`. Sent only after this commits, so
   * the file always knows every anchor it made (a crash in between leaves it ahead, never behind).
   */
  record(): number {
    this.state.requireUnlocked();
    const m = this.state.manifest;
    let counter = 0;
    this.state.file.tx(() => {
      m.anchored = (m.counter ?? 0) + 1;
      this.state.writeManifest();
      counter = m.counter!;
    });
    return counter;
  }

  /** The control plane has seen a later state of this cache than the file holds: it was rolled back. */
  markRolledBack(counter: number, anchored: number, known: number | null): void {
    this.state.problem = {
      code: 'CACHE_ROLLED_BACK',
      message:
        `This cache file is an older copy put back: the control plane holds an anchor of it at change ${anchored}, ` +
        `the file is at change ${counter} and its last anchor is ${known ?? 'none'}.`,
    };
  }
}
