/**
 * The encrypted local cache file (docs/cache.md): better-sqlite3 in WAL mode, numbered migrations,
 * every sensitive value sealed with envelope.ts under the data key, the data key wrapped to the
 * card(s) and the recovery key. Synchronous (better-sqlite3) except where a card operation is
 * needed to unwrap the key. A facade over its parts, which share one CacheState:
 *   cache-file.ts    the SQLite file, migrations, meta and header
 *   key-ring.ts      key wraps, unlock, re-wrap, rotation
 *   anchor-guard.ts  the anchor key and change counter (rollback detection, with anchor.ts)
 *   record-store.ts  records, LRU clock, eviction
 *   outbox-store.ts  the outbox table
 *
 * Checks that make a file "damaged" (reported with its code, never used silently):
 *   - SQLite quick_check, a missing header, or not a database at all  → CACHE_FILE_CORRUPT
 *   - the sealed manifest (row counts, written in the same transaction as every change) does not
 *     match the rows present                                           → CACHE_FILE_TRUNCATED
 *   - the sealed workstation id is not this workstation's             → CACHE_FOREIGN_WORKSTATION
 *   - a sealed cell fails to open                                      → CACHE_VALUE_TAMPERED / _MISPLACED / _TRUNCATED
 * A damaged cache still lists and delivers its outbox (every readable item) and can be rebuilt.
 */
import { randomUUID } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { ArxFailure } from '../../../shared/contract';
import { AnchorGuard } from './anchor-guard';
import { CacheFile } from './cache-file';
import { CacheState, WORKSTATION_LOCATION, type LocalCacheOptions, type Problem } from './cache-state';
import { DataKey } from './envelope';
import { KeyRing, type RotationParts } from './key-ring';
import type { Recipient, StoredRecipient, Unwrapper } from './key-wrap';
import { OutboxStore, type OutboxRow } from './outbox-store';
import { RecordStore, type RecordKind } from './record-store';

export type { LocalCacheOptions } from './cache-state';
export type { OutboxRow } from './outbox-store';
export { LRU_RESOLUTION_MS, TOUCH_BATCH, type RecordKind } from './record-store';
export { ROTATE_AFTER_ENCRYPTIONS } from './key-ring';

export class LocalCache {
  private readonly sqlite: CacheFile;
  private readonly state: CacheState;
  private readonly ring: KeyRing;
  private readonly anchors: AnchorGuard;
  private readonly records: RecordStore;
  private readonly items: OutboxStore;

  constructor(readonly options: LocalCacheOptions) {
    this.sqlite = new CacheFile(options.file);
    this.state = new CacheState(options, this.sqlite);
    this.ring = new KeyRing(this.state);
    this.anchors = new AnchorGuard(this.state);
    this.records = new RecordStore(this.state);
    this.items = new OutboxStore(this.state);
  }

  get file(): string {
    return this.options.file;
  }

  exists(): boolean {
    return this.sqlite.exists();
  }

  get isUnlocked(): boolean {
    return this.state.isUnlocked;
  }

  get problem(): Problem | null {
    return this.state.problem;
  }

  get unlockedBy(): string | null {
    return this.state.unlockedBy;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Brings an existing file to the current format without unlocking it (the console does it at
   * start: a format-1 file loses its clear card labels even if nobody logs in), then closes it.
   */
  migrate(): void {
    if (this.sqlite.db || !this.exists()) return;
    this.sqlite.open(false);
    this.lock();
  }

  /** Whether the card with this recipient id can open the file (it has a wrap); the file is closed again. */
  wrappedTo(recipientId: string): boolean {
    if (this.sqlite.db || !this.exists()) return false;
    try {
      this.sqlite.open(false);
      return this.ring.hasCardWrap(recipientId);
    } finally {
      this.lock();
    }
  }

  /** Moves the (locked) file to `target` whole (CacheFile.moveTo); this object keeps its old path. */
  moveTo(target: string): void {
    this.lock();
    this.sqlite.moveTo(target);
  }

  /** Makes a new cache file with a fresh data key wrapped to every recipient. Unlocked afterwards. */
  create(recipients: Recipient[], unlockedBy: string): void {
    if (this.exists())
      throw new ArxFailure('INVALID_REQUEST', `A cache file already exists at ${this.file}.`, { file: this.file });
    if (recipients.length === 0)
      throw new ArxFailure('INVALID_REQUEST', 'A cache needs at least one recipient for its key.');
    this.sqlite.open(true);
    const s = this.state;
    const key = DataKey.random(1);
    s.cacheId = randomUUID();
    s.keys.set(1, key);
    s.manifest = { records: 0, outbox: 0, sealed: 0 };
    s.refetchableBytes = 0;
    s.refetchableKnown = true;
    this.sqlite.tx(() => {
      this.sqlite.setMeta('cache_id', Buffer.from(s.cacheId));
      this.sqlite.setMeta('generation', Buffer.from('1'));
      for (const r of recipients) this.ring.insertWrap(r, key);
      this.sealWorkstation();
      this.anchors.create();
      s.writeManifest();
    });
    s.problem = null;
    s.unlockedBy = unlockedBy;
  }

  private sealWorkstation(): void {
    this.sqlite.setMeta('workstation', this.state.seal(WORKSTATION_LOCATION, Buffer.from(this.options.workstationId)));
  }

  /**
   * Unlocks with the card or the recovery key: unwraps the key of every generation present
   * (two during a rotation), then checks the file. A check that fails leaves the cache unlocked
   * but damaged (see the file comment): the problem is returned and kept.
   */
  async unlock(by: Unwrapper, unlockedBy: string): Promise<Problem | null> {
    this.lock();
    this.sqlite.open(false);
    let mine: Awaited<ReturnType<KeyRing['unwrap']>>;
    try {
      mine = await this.ring.unwrap(by);
    } catch (err) {
      this.lock();
      throw err;
    }
    const s = this.state;
    s.unlockedBy = unlockedBy;
    s.problem = this.verify();
    if (!s.problem && !this.anchors.hasKey) {
      // A file made before anchoring existed: give it its anchor key now (see anchor.ts for the limit).
      this.sqlite.tx(() => {
        this.anchors.create();
        s.writeManifest();
      });
    }
    if (!s.problem) this.ring.learnSelf(by, mine);
    return s.problem;
  }

  /** The checks on open (see the file comment); null when the file passes them all. */
  private verify(): Problem | null {
    const s = this.state;
    try {
      const ws = this.sqlite.meta('workstation');
      if (!ws) throw new ArxFailure('CACHE_FILE_CORRUPT', 'The cache file has no workstation binding.');
      const bound = s.openCell(WORKSTATION_LOCATION, ws).toString('utf8');
      s.manifest = s.readManifest();
      this.anchors.load();
      if (bound !== this.options.workstationId) {
        throw new ArxFailure(
          'CACHE_FOREIGN_WORKSTATION',
          'This cache file was made on another workstation (it was copied here).',
        );
      }
      const records = this.records.count();
      const outbox = this.items.count();
      if (records !== s.manifest.records || outbox !== s.manifest.outbox) {
        throw new ArxFailure(
          'CACHE_FILE_TRUNCATED',
          `The cache file lost rows: it should hold ${s.manifest.records} records and ${s.manifest.outbox} outbox items, it holds ${records} and ${outbox}.`,
        );
      }
      this.items.checkStates();
      const known = s.manifest.refetchable;
      s.refetchableBytes =
        known && known.counter === (s.manifest.counter ?? 0) && Number.isSafeInteger(known.bytes) && known.bytes >= 0
          ? known.bytes
          : this.records.sumRefetchable();
      s.refetchableKnown = true;
      return null;
    } catch (err) {
      if (err instanceof ArxFailure) return { code: err.code, message: err.message };
      return {
        code: 'CACHE_FILE_CORRUPT',
        message: `The cache file cannot be checked: ${(err as Error).message.slice(0, 200)}`,
      };
    }
  }

  /** Wipes every data key from memory and closes the file. */
  lock(): void {
    this.records.closeClock();
    this.state.refetchableKnown = false;
    this.state.wipeKeys();
    this.anchors.wipe();
    this.state.unlockedBy = null;
    this.state.problem = null;
    this.sqlite.close();
  }

  /** Deletes the file (and its WAL); the keys go from memory. */
  wipe(): void {
    this.lock();
    this.sqlite.remove();
  }

  /** Closes the file; the keys stay (tests use it to simulate a restart with `lock()` instead). */
  close(): void {
    this.lock();
  }

  // ---------------------------------------------------------------- parts

  recipients(): StoredRecipient[] {
    return this.ring.recipients();
  }

  anchorMac(counter: number): string {
    return this.anchors.mac(counter);
  }

  anchorState(): { cacheId: string; counter: number; anchored: number | null } {
    return this.anchors.committed();
  }

  recordAnchor(): number {
    return this.anchors.record();
  }

  markRolledBack(counter: number, anchored: number, known: number | null): void {
    this.anchors.markRolledBack(counter, anchored, known);
  }

  put(kind: RecordKind, key: string, value: unknown, opts: { refetchable: boolean }): void {
    this.records.put(kind, key, value, opts);
  }

  get<T = unknown>(kind: RecordKind, key: string): T | null {
    return this.records.get<T>(kind, key);
  }

  keysOf(kind: RecordKind): string[] {
    return this.records.keysOf(kind);
  }

  kinds(): { kind: string; count: number }[] {
    return this.records.kinds();
  }

  enqueue(kind: string, payload: unknown, summary: string | null): { id: string; idempotencyKey: string; seq: number } {
    return this.items.enqueue(kind, payload, summary);
  }

  outbox(filter?: { state: OutboxRow['state'] }): OutboxRow[] {
    return this.items.list(filter);
  }

  settle(id: string, state: OutboxRow['state'], error: Problem | null): void {
    this.items.settle(id, state, error);
  }

  // ---------------------------------------------------------------- maintenance

  rewrap(to: Recipient, removeOtherCards: boolean): void {
    this.ring.rewrap(to, removeOtherCards);
  }

  /** Rotates the data key (key-ring.ts); records first, then outbox items. Returns the rows left. */
  rotate(batchSize: number, maxBatches = Infinity): number {
    const remaining = this.ring.rotate(this.rotationParts, batchSize, maxBatches);
    if (remaining === 0) this.state.refetchableBytes = this.records.sumRefetchable();
    return remaining;
  }

  private readonly rotationParts: RotationParts = {
    reseal: (from, to, limit) => {
      const records = this.records.reseal(from, to, limit);
      return records + (records < limit ? this.items.reseal(from, to, limit - records) : 0);
    },
    remaining: (g) => this.remainingUnder(g),
    resealMeta: () => {
      this.sealWorkstation();
      this.anchors.reseal();
    },
  };

  private remainingUnder(g: number): number {
    const n = (t: string) =>
      (this.sqlite.stmt(`SELECT count(*) AS n FROM ${t} WHERE generation = ?`).get(g) as { n: number }).n;
    return n('records') + n('outbox');
  }

  /** Rows still under the old generation of a rotation in progress, or null when none is. */
  rotation(): { to: number; remaining: number } | null {
    return this.ring.rotation((g) => this.remainingUnder(g));
  }

  /**
   * Replaces a damaged cache by a new one (fresh key, same recipients), carrying over every
   * outbox item that still opens, with its order, state and idempotency key. The old file is kept
   * aside as `<file>.damaged-<time>` for investigation. The cache stays unlocked.
   */
  rebuild(recipients: Recipient[]): { kept: number; unreadable: number; quarantinedFile: string } {
    const unlockedBy = this.state.unlockedBy ?? 'rebuild';
    let items: OutboxRow[] = [];
    if (this.isUnlocked && this.sqlite.db) {
      try {
        items = this.outbox();
      } catch {
        items = [];
      }
    }
    this.lock();
    const quarantinedFile = this.sqlite.quarantine(this.state.now());
    this.create(recipients, unlockedBy);
    const readable = items.filter((i) => i.unreadable === null);
    this.sqlite.db!.transaction(() => {
      this.items.carryOver(readable);
      this.state.writeManifest();
    })();
    return { kept: readable.length, unreadable: items.length - readable.length, quarantinedFile };
  }

  stats() {
    const fileBytes = this.exists()
      ? statSync(this.file).size + (existsSync(`${this.file}-wal`) ? statSync(`${this.file}-wal`).size : 0)
      : 0;
    if (!this.sqlite.db || !this.isUnlocked)
      return {
        fileBytes,
        records: 0,
        refetchableBytes: 0,
        outbox: { pending: 0, delivered: 0, rejected: 0 },
        generation: 0,
        sealed: 0,
      };
    const outbox = this.items.counts();
    let generation = 0;
    try {
      generation = this.sqlite.header().generation;
    } catch {
      generation = 0;
    }
    return {
      fileBytes,
      records: this.records.count(),
      refetchableBytes: this.state.refetchableBytes,
      outbox,
      generation,
      sealed: this.state.manifest.sealed,
    };
  }

  // Test access to the open file and keys (tamper tests reseal cells by hand).
  private get db() {
    return this.sqlite.db;
  }

  private get keys() {
    return this.state.keys;
  }

  private keyOf = (g: number) => this.state.keyOf(g);
}
