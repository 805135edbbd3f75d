/**
 * What the parts of the local cache share (key ring, anchor guard, record store, outbox store):
 * the open file, the data keys of the generations present, the sealed manifest, and the problem
 * that makes the cache "damaged". Sealing goes through here so that the manifest counts every
 * encryption (the nonce budget) and every changing transaction (the rollback counter).
 */
import type Database from 'better-sqlite3';
import { ArxFailure } from '../../../shared/contract';
import type { CacheFile } from './cache-file';
import { nodeAead, open, seal, type Aead, type DataKey, type Location } from './envelope';

export interface LocalCacheOptions {
  file: string;
  /** Identifies this workstation (machine id); a file copied from elsewhere is CACHE_FOREIGN_WORKSTATION. */
  workstationId: string;
  /** Limit for re-fetchable data, in bytes of sealed cells. */
  limitBytes: number;
  aead?: Aead;
  now?: () => number;
  /** Pending LRU clock moves written on their own (default TOUCH_BATCH). */
  touchBatch?: number;
}

export type Problem = { code: string; message: string };

export interface Manifest {
  records: number;
  outbox: number;
  /** Encryptions under the current writing generation (nonce budget). */
  sealed: number;
  /**
   * Changing transactions since the cache was made: +1 with every manifest write, never reset
   * (absent in files made before it: 0). Anchored in the control plane (anchor.ts) so that a whole
   * file rolled back to an older copy is found: CACHE_ROLLED_BACK.
   */
  counter?: number;
  /** The file has an anchor key (meta/anchor_key): its removal is then CACHE_FILE_TRUNCATED. */
  anchorKey?: boolean;
  /**
   * The latest counter this file anchored, recorded before the anchor is sent: a copy put back
   * does not know the anchors made after it was taken, even once its counter has grown past them.
   */
  anchored?: number;
  /**
   * Bytes of re-fetchable records, with the counter it was written at: trusted at unlock only when
   * that is the manifest's counter (a console that does not know the field keeps it stale while
   * changing the file; the table is then summed once). Summing `size` over every record reads the
   * whole file (`size` sits after the cells in the row).
   */
  refetchable?: { bytes: number; counter: number };
}

export const MANIFEST_LOCATION: Location = { table: 'meta', row: 'manifest', column: 'value' };
export const WORKSTATION_LOCATION: Location = { table: 'meta', row: 'workstation', column: 'value' };

export const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
/** Parses a decrypted cell and zero-fills it. */
export const parse = (b: Buffer) => {
  try {
    return JSON.parse(b.toString('utf8')) as unknown;
  } finally {
    b.fill(0);
  }
};

const locked = () => new ArxFailure('CACHE_LOCKED', 'The cache is locked: log in with your card to open it.');

export class CacheState {
  readonly keys = new Map<number, DataKey>();
  cacheId = '';
  manifest: Manifest = { records: 0, outbox: 0, sealed: 0 };
  problem: Problem | null = null;
  unlockedBy: string | null = null;
  refetchableBytes = 0;
  /** refetchableBytes was set for the open file (create, or an unlock whose checks passed). */
  refetchableKnown = false;
  readonly aead: Aead;
  readonly now: () => number;

  constructor(
    readonly options: LocalCacheOptions,
    readonly file: CacheFile,
  ) {
    this.aead = options.aead ?? nodeAead;
    this.now = options.now ?? Date.now;
  }

  get isUnlocked(): boolean {
    return this.keys.size > 0;
  }

  keyOf = (g: number) => this.keys.get(g) ?? null;

  writingKey(): DataKey {
    const k = this.keys.get(this.file.writingGeneration());
    if (!k) throw locked();
    return k;
  }

  seal(loc: Location, plain: Uint8Array): Buffer {
    this.manifest.sealed++;
    return seal(this.writingKey(), loc, plain, this.aead);
  }

  /** Seals under one generation's key (a key wrap's about cell). */
  sealWith(key: DataKey, loc: Location, plain: Uint8Array): Buffer {
    this.manifest.sealed++;
    return seal(key, loc, plain, this.aead);
  }

  openCell(loc: Location, cell: Buffer): Buffer {
    return open(this.keyOf, loc, cell, this.aead);
  }

  /** +1 on the change counter and the manifest sealed: part of every changing transaction. */
  writeManifest(): void {
    this.manifest.counter = (this.manifest.counter ?? 0) + 1;
    // Only a figure known for this file (not on a cache whose checks failed before counting).
    if (this.refetchableKnown)
      this.manifest.refetchable = { bytes: this.refetchableBytes, counter: this.manifest.counter };
    else delete this.manifest.refetchable;
    this.file.setMeta('manifest', this.seal(MANIFEST_LOCATION, json(this.manifest)));
  }

  /** The manifest as committed in the file (not the one in memory). */
  readManifest(): Manifest {
    const m = this.file.meta('manifest');
    if (!m) throw new ArxFailure('CACHE_FILE_CORRUPT', 'The cache file has no manifest.');
    return parse(this.openCell(MANIFEST_LOCATION, m)) as Manifest;
  }

  requireUnlocked(allowDamaged = false): Database.Database {
    const db = this.file.db;
    if (!this.isUnlocked || !db) throw locked();
    // A file-level problem stops every use but the outbox; a bad cell (found while reading) is
    // reported in the status and fails alone, the other values still read.
    if (this.problem && !allowDamaged && !this.problem.code.startsWith('CACHE_VALUE_')) {
      throw new ArxFailure(
        'CACHE_DAMAGED',
        `The cache cannot be used: ${this.problem.message} Rebuild it (the unsent outbox is kept).`,
        { problem: this.problem.code },
      );
    }
    return db;
  }

  /** Records a problem found while using the cache (a cell that did not open): the panel offers a rebuild. */
  damaged(err: unknown): never {
    if (err instanceof ArxFailure && err.code.startsWith('CACHE_VALUE_'))
      this.problem ??= { code: err.code, message: err.message };
    throw err;
  }

  /** Zero-fills and forgets every data key. */
  wipeKeys(): void {
    for (const k of this.keys.values()) k.wipe();
    this.keys.clear();
  }
}
