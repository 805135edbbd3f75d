/**
 * The encrypted local cache file (issue 7, docs/cache.md): better-sqlite3 in WAL mode, numbered
 * migrations, every sensitive value sealed with envelope.ts under the data key, the data key wrapped
 * to the card(s) and the recovery key (key-wrap.ts). Synchronous (better-sqlite3) except where a
 * card operation is needed to unwrap the key.
 *
 * Checks that make a file "damaged" (reported with its code, never used silently):
 *   - SQLite quick_check, a missing header, or not a database at all  → CACHE_FILE_CORRUPT
 *   - the sealed manifest (row counts, written in the same transaction as every change) does not
 *     match the rows present                                           → CACHE_FILE_TRUNCATED
 *   - the sealed workstation id is not this workstation's             → CACHE_FOREIGN_WORKSTATION
 *   - a sealed cell fails to open                                      → CACHE_VALUE_TAMPERED / _MISPLACED / _TRUNCATED
 * A damaged cache still lists and delivers its outbox (every readable item) and can be rebuilt.
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import { existsSync, renameSync, rmSync, statSync } from 'node:fs';
import Database from 'better-sqlite3';
import { ArxFailure } from '../../../shared/contract';
import { CACHE_MIGRATIONS, SCRUB_PENDING } from './migrations';
import { DataKey, indexDigest, nodeAead, open, seal, type Aead, type Location } from './envelope';
import {
  aboutRecipient,
  fingerprintLabel,
  recipientFromAbout,
  unwrapKey,
  wrapKey,
  type Recipient,
  type StoredRecipient,
  type Unwrapper,
  type WrapRecord,
} from './key-wrap';
import { createPublicKey } from 'node:crypto';

export type RecordKind =
  'event-page' | 'verification' | 'certificate' | 'bundle' | 'policy-draft' | 'trust-anchor' | 'crl' | (string & {});
/** Kinds that are never evicted, whatever the caller says. */
const NEVER_EVICTED = new Set<string>(['policy-draft']);

/** Resolution of the LRU clock: a read moves a record's last access only when it is older than this. */
export const LRU_RESOLUTION_MS = 60_000;
/** Moved access times written on their own once this many are pending (else with the next change, or at lock). */
export const TOUCH_BATCH = 4096;

/** Ask for a rotation well before NIST's 2^32 random-nonce bound per key. */
export const ROTATE_AFTER_ENCRYPTIONS = 2 ** 31;

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

export interface OutboxRow {
  seq: number;
  id: string;
  idempotencyKey: string;
  kind: string;
  state: 'pending' | 'delivered' | 'rejected';
  attempts: number;
  /** null when the payload cell does not open (its code is in `unreadable`). */
  payload: unknown;
  summary: string | null;
  createdAt: string | null;
  deliveredAt: string | null;
  lastError: { code: string; message: string } | null;
  unreadable: string | null;
}

interface Manifest {
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
   * changing the file; the table is then summed once). Unlock otherwise summed `size` over every
   * record, which sits after the cells in the row: it read the whole file (52 MB of 64 KB records:
   * ~160 ms; the default limit is 512 MB).
   */
  refetchable?: { bytes: number; counter: number };
}

const ANCHOR_LOCATION = { table: 'meta', row: 'anchor_key', column: 'value' };
/** The meta rows read by header(). */
const HEADER_ROWS = new Set(['cache_id', 'generation', 'rotating_to']);
/** Where a card wrap's sealed label and public key live (key_wraps.about_cell). */
const aboutLocation = (generation: number, recipient: string): Location => ({
  table: 'key_wraps',
  row: `${generation}:${recipient}`,
  column: 'about',
});

type Problem = { code: string; message: string };

const json = (v: unknown) => Buffer.from(JSON.stringify(v), 'utf8');
const parse = (b: Buffer) => {
  try {
    return JSON.parse(b.toString('utf8')) as unknown;
  } finally {
    b.fill(0);
  }
};

export class LocalCache {
  private db: Database.Database | null = null;
  private readonly keys = new Map<number, DataKey>();
  private problem_: Problem | null = null;
  private manifest: Manifest = { records: 0, outbox: 0, sealed: 0 };
  private refetchableBytes = 0;
  /** refetchableBytes was set for the open file (create, or an unlock whose checks passed). */
  private refetchableKnown = false;
  private cacheId = '';
  /** Records read since the last write: id → last access time (see get). */
  private readonly touched = new Map<string, number>();
  unlockedBy: string | null = null;
  private readonly aead: Aead;
  private readonly now: () => number;

  constructor(readonly options: LocalCacheOptions) {
    this.aead = options.aead ?? nodeAead;
    this.now = options.now ?? Date.now;
  }

  get file(): string {
    return this.options.file;
  }

  exists(): boolean {
    return existsSync(this.options.file);
  }

  get isUnlocked(): boolean {
    return this.keys.size > 0;
  }

  get problem(): Problem | null {
    return this.problem_;
  }

  // ---------------------------------------------------------------- file

  /** Opens the file (no key needed): WAL, migrations, quick_check. */
  private openDb(create: boolean): Database.Database {
    if (this.db) return this.db;
    if (!create && !this.exists())
      throw new ArxFailure('NOT_FOUND', 'There is no cache file yet.', { file: this.file });
    let db: Database.Database;
    try {
      db = new Database(this.file, { fileMustExist: !create });
      db.pragma('journal_mode = WAL');
      db.pragma('synchronous = FULL');
      db.pragma('foreign_keys = ON');
      const check = db.pragma('quick_check', { simple: true });
      if (check !== 'ok') {
        db.close();
        throw new ArxFailure(
          'CACHE_FILE_CORRUPT',
          `The cache file ${this.file} is damaged (SQLite: ${String(check).slice(0, 200)}).`,
          { file: this.file },
        );
      }
    } catch (err) {
      if (err instanceof ArxFailure) throw err;
      throw new ArxFailure(
        'CACHE_FILE_CORRUPT',
        `The cache file ${this.file} cannot be read as a cache (${(err as Error).message.slice(0, 200)}).`,
        { file: this.file },
      );
    }
    const version = db.pragma('user_version', { simple: true }) as number;
    const latest = CACHE_MIGRATIONS[CACHE_MIGRATIONS.length - 1]!.version;
    if (version > latest) {
      db.close();
      throw new ArxFailure(
        'CACHE_TOO_NEW',
        `The cache file is at format ${version}, newer than this console knows (${latest}).`,
        { file: this.file },
      );
    }
    if (!create && version === 0) {
      db.close();
      throw new ArxFailure('CACHE_FILE_CORRUPT', `The cache file ${this.file} has no cache schema.`, {
        file: this.file,
      });
    }
    const pending = CACHE_MIGRATIONS.filter((m) => m.version > version);
    // Migrating an existing file may remove clear text (format 1's card labels): zeroed on delete.
    if (version > 0 && pending.length > 0) db.pragma('secure_delete = ON');
    try {
      for (const m of pending) {
        db.transaction(() => {
          db.exec(m.sql);
          db.pragma(`user_version = ${m.version}`);
        })();
      }
      this.scrubIfPending(db);
    } finally {
      db.pragma('secure_delete = OFF'); // the default: the records' write path stays as it was
    }
    this.db = db;
    return db;
  }

  /**
   * After a migration that removed clear text (migrations.ts SCRUB_PENDING): VACUUM rebuilds the
   * file (no free page or free cell keeps the old bytes), the WAL is checkpointed and truncated (no
   * old frame either), then the marker goes. A failure (another process reading the file, a full
   * disk) leaves the marker: tried again at the next open; the cache itself stays usable.
   */
  private scrubIfPending(db: Database.Database): void {
    if (!db.prepare('SELECT 1 FROM meta WHERE name = ?').get(SCRUB_PENDING)) return;
    try {
      db.pragma('secure_delete = ON');
      db.pragma('temp_store = MEMORY'); // VACUUM's copy stays out of a temporary file
      db.exec('VACUUM');
      const [cp] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
      if (cp?.busy) return;
      db.prepare('DELETE FROM meta WHERE name = ?').run(SCRUB_PENDING);
    } catch {
      // kept for the next open
    }
  }

  private readonly statements = new Map<string, Database.Statement>();

  /** A prepared statement of the open file, prepared once. */
  private stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.openDb(false).prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  private meta(name: string): Buffer | null {
    const row = this.stmt('SELECT value FROM meta WHERE name = ?').get(name) as { value: Buffer | string } | undefined;
    if (!row) return null;
    return Buffer.isBuffer(row.value) ? row.value : Buffer.from(String(row.value), 'utf8');
  }

  private setMeta(name: string, value: Buffer): void {
    // Only the clear header's rows invalidate the remembered header: the manifest, rewritten by
    // every change, must not cost three meta reads at the next put (issue 7 write path).
    if (HEADER_ROWS.has(name)) this.head = null;
    this.stmt(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ).run(name, value);
  }

  /** The clear header, read once per open file (it changes only through setMeta/clearMeta). */
  private head: { cacheId: string; generation: number; rotatingTo: number | null } | null = null;

  private header(): { cacheId: string; generation: number; rotatingTo: number | null } {
    if (this.head) return this.head;
    const id = this.meta('cache_id');
    const gen = this.meta('generation');
    if (!id || !gen)
      throw new ArxFailure('CACHE_FILE_CORRUPT', `The cache file ${this.file} has no header.`, { file: this.file });
    const rot = this.meta('rotating_to');
    this.head = {
      cacheId: id.toString('utf8'),
      generation: Number(gen.toString('utf8')),
      rotatingTo: rot ? Number(rot.toString('utf8')) : null,
    };
    return this.head;
  }

  /** The generation new cells are sealed under (the target of a rotation in progress). */
  private writingGeneration(): number {
    const h = this.header();
    return h.rotatingTo ?? h.generation;
  }

  private writingKey(): DataKey {
    const k = this.keys.get(this.writingGeneration());
    if (!k) throw new ArxFailure('CACHE_LOCKED', 'The cache is locked: log in with your card to open it.');
    return k;
  }

  private keyOf = (g: number) => this.keys.get(g) ?? null;

  /** A transaction that changes the header: a rollback must not leave the remembered header behind. */
  private tx(db: Database.Database, fn: () => void): void {
    try {
      db.transaction(fn)();
    } finally {
      this.head = null;
    }
  }

  private seal(loc: Location, plain: Uint8Array): Buffer {
    this.manifest.sealed++;
    return seal(this.writingKey(), loc, plain, this.aead);
  }

  private openCell(loc: Location, cell: Buffer): Buffer {
    return open(this.keyOf, loc, cell, this.aead);
  }

  private writeManifest(): void {
    this.manifest.counter = (this.manifest.counter ?? 0) + 1;
    // Only a figure known for this file (not on a cache whose checks failed before counting).
    if (this.refetchableKnown)
      this.manifest.refetchable = { bytes: this.refetchableBytes, counter: this.manifest.counter };
    else delete this.manifest.refetchable;
    this.setMeta('manifest', this.seal({ table: 'meta', row: 'manifest', column: 'value' }, json(this.manifest)));
  }

  private requireUnlocked(allowDamaged = false): Database.Database {
    if (!this.isUnlocked || !this.db)
      throw new ArxFailure('CACHE_LOCKED', 'The cache is locked: log in with your card to open it.');
    // A file-level problem stops every use but the outbox; a bad cell (found while reading) is
    // reported in the status and fails alone, the other values still read.
    if (this.problem_ && !allowDamaged && !this.problem_.code.startsWith('CACHE_VALUE_')) {
      throw new ArxFailure(
        'CACHE_DAMAGED',
        `The cache cannot be used: ${this.problem_.message} Rebuild it (the unsent outbox is kept).`,
        { problem: this.problem_.code },
      );
    }
    return this.db;
  }

  // ---------------------------------------------------------------- lifecycle

  /**
   * Brings an existing file to the current format without unlocking it (the console does it at
   * start: a format-1 file loses its clear card labels even if nobody logs in), then closes it.
   */
  migrate(): void {
    if (this.db || !this.exists()) return;
    this.openDb(false);
    this.lock();
  }

  /** Makes a new cache file with a fresh data key wrapped to every recipient. Unlocked afterwards. */
  create(recipients: Recipient[], unlockedBy: string): void {
    if (this.exists())
      throw new ArxFailure('INVALID_REQUEST', `A cache file already exists at ${this.file}.`, { file: this.file });
    if (recipients.length === 0)
      throw new ArxFailure('INVALID_REQUEST', 'A cache needs at least one recipient for its key.');
    const db = this.openDb(true);
    const key = DataKey.random(1);
    this.cacheId = randomUUID();
    this.keys.set(1, key);
    this.manifest = { records: 0, outbox: 0, sealed: 0 };
    this.refetchableBytes = 0;
    this.refetchableKnown = true;
    this.tx(db, () => {
      this.setMeta('cache_id', Buffer.from(this.cacheId));
      this.setMeta('generation', Buffer.from('1'));
      for (const r of recipients) this.insertWrap(wrapKey(this.cacheId, key, r), r, key);
      this.setMeta(
        'workstation',
        this.seal({ table: 'meta', row: 'workstation', column: 'value' }, Buffer.from(this.options.workstationId)),
      );
      this.newAnchorKey();
      this.writeManifest();
    });
    this.problem_ = null;
    this.unlockedBy = unlockedBy;
  }

  /**
   * Stores one wrap (`key` is the data key it wraps). In clear: the recipient id (SHA-256 of the
   * SPKI: how the card finds its wrap), role, kind, and the recovery key's public key. A card's
   * label (certificate subject) and public key are sealed under `key` in about_cell.
   */
  private insertWrap(w: WrapRecord, r: Recipient, key: DataKey): void {
    const spki = r.role === 'recovery' ? r.publicKey.export({ type: 'spki', format: 'der' }) : null;
    const about = r.role === 'card' ? this.sealAbout(key, w.recipient, r) : null;
    this.stmt(
      `INSERT INTO key_wraps (generation, recipient, role, kind, spki, exchange, salt, wrapped, about_cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (generation, recipient) DO UPDATE SET exchange = excluded.exchange, salt = excluded.salt, wrapped = excluded.wrapped, about_cell = excluded.about_cell`,
    ).run(w.generation, w.recipient, w.role, w.kind, spki, w.exchange, w.salt, w.wrapped, about);
  }

  private sealAbout(key: DataKey, recipient: string, r: Recipient): Buffer {
    this.manifest.sealed++;
    return seal(key, aboutLocation(key.generation, recipient), aboutRecipient(r), this.aead);
  }

  private wraps(): (WrapRecord & { spki: Buffer | null; about_cell: Buffer | null })[] {
    return this.stmt(
      'SELECT generation, recipient, role, kind, spki, exchange, salt, wrapped, about_cell FROM key_wraps ORDER BY generation, recipient',
    ).all() as (WrapRecord & {
      spki: Buffer | null;
      about_cell: Buffer | null;
    })[];
  }

  /**
   * The recipients of the current generation (for the status and for rotation), unlocked only: a
   * card's label and public key come from its sealed about cell; a card wrap migrated from format 1
   * that its card has not opened since is known by its fingerprint alone (publicKey null).
   */
  recipients(): StoredRecipient[] {
    this.requireUnlocked(true);
    const gen = this.header().generation;
    return this.wraps()
      .filter((w) => w.generation === gen)
      .map((w): StoredRecipient => {
        if (w.role === 'recovery')
          return {
            role: w.role,
            kind: w.kind,
            label: 'organisation recovery key',
            id: w.recipient,
            publicKey: w.spki ? createPublicKey({ key: w.spki, format: 'der', type: 'spki' }) : null,
          };
        if (!w.about_cell)
          return { role: w.role, kind: w.kind, label: fingerprintLabel(w.recipient), id: w.recipient, publicKey: null };
        try {
          return recipientFromAbout(this.openCell(aboutLocation(w.generation, w.recipient), w.about_cell), w);
        } catch (err) {
          this.damaged(err);
        }
      });
  }

  /**
   * Unlocks with the card or the recovery key: unwraps the key of every generation present
   * (two during a rotation), then checks the file. A check that fails leaves the cache unlocked
   * but damaged (see the file comment): the problem is returned and kept.
   */
  async unlock(by: Unwrapper, unlockedBy: string): Promise<Problem | null> {
    this.lock();
    this.openDb(false);
    const h = this.header();
    const mine = this.wraps().filter((w) => w.recipient === by.id);
    if (mine.length === 0) {
      this.lock();
      throw new ArxFailure(
        'CACHE_WRONG_CARD',
        `This cache was not made for this ${by.describe}: its key is not wrapped to it.`,
        { recipient: by.id },
      );
    }
    const needed = [h.generation, ...(h.rotatingTo !== null ? [h.rotatingTo] : [])];
    try {
      for (const g of needed) {
        const w = mine.find((x) => x.generation === g);
        if (!w)
          throw new ArxFailure('CACHE_WRONG_CARD', `The ${by.describe} has no wrap of the key generation ${g}.`, {
            generation: g,
          });
        this.keys.set(g, await unwrapKey(h.cacheId, w, by));
      }
    } catch (err) {
      this.lock();
      throw err;
    }
    this.cacheId = h.cacheId;
    this.unlockedBy = unlockedBy;
    this.problem_ = this.verify();
    if (!this.problem_ && !this.anchorKey) {
      // A file made before anchoring existed: give it its anchor key now (see anchor.ts for the limit).
      this.tx(this.db!, () => {
        this.newAnchorKey();
        this.writeManifest();
      });
    }
    if (!this.problem_) this.learnSelf(by, mine);
    return this.problem_;
  }

  /**
   * A card's wraps migrated from format 1 lost its label and public key (they were in clear): the
   * card that just opened them presents its certificate, so they are sealed in again, under the
   * key of each wrap's generation.
   */
  private learnSelf(by: Unwrapper, mine: { generation: number; about_cell: Buffer | null }[]): void {
    const self = by.self;
    if (!self || self.id !== by.id || self.role !== 'card') return;
    const missing = mine.filter((w) => !w.about_cell && this.keys.has(w.generation));
    if (missing.length === 0) return;
    this.tx(this.db!, () => {
      const set = this.stmt('UPDATE key_wraps SET about_cell = ? WHERE generation = ? AND recipient = ?');
      for (const w of missing)
        set.run(this.sealAbout(this.keys.get(w.generation)!, self.id, self), w.generation, self.id);
      this.writeManifest();
    });
  }

  // ---------------------------------------------------------------- rollback anchor (anchor.ts)

  /** A random 256-bit key, sealed in the file, made once per cache (copies share it): it MACs the anchors. */
  private anchorKey: Buffer | null = null;

  private newAnchorKey(): void {
    this.anchorKey = randomBytes(32);
    this.manifest.anchorKey = true; // written by the writeManifest of the same transaction
    this.setMeta('anchor_key', this.seal(ANCHOR_LOCATION, this.anchorKey));
  }

  /** MAC of one anchored counter of this cache (HMAC-SHA-256 under the anchor key), hex. */
  anchorMac(counter: number): string {
    if (!this.anchorKey) throw new ArxFailure('CACHE_LOCKED', 'The cache is locked: log in with your card to open it.');
    return createHmac('sha256', this.anchorKey)
      .update(`arx-cache anchor v1\0${this.cacheId}\0${counter}`)
      .digest('hex');
  }

  /**
   * The cache id and the change counter of the committed file (read from the sealed manifest in the
   * file, not from memory: a transaction that rolled back never reaches an anchor).
   */
  anchorState(): { cacheId: string; counter: number; anchored: number | null } {
    this.requireUnlocked();
    const m = this.meta('manifest');
    if (!m) throw new ArxFailure('CACHE_FILE_CORRUPT', 'The cache file has no manifest.');
    const manifest = parse(this.openCell({ table: 'meta', row: 'manifest', column: 'value' }, m)) as Manifest;
    return { cacheId: this.cacheId, counter: manifest.counter ?? 0, anchored: manifest.anchored ?? null };
  }

  /**
   * Records in the file (one transaction) that it is about to anchor its counter, and returns that
   * counter: the manifest written has `anchored` = `counter`. Sent only after this commits, so
   * the file always knows every anchor it made (a crash in between leaves it ahead, never behind).
   */
  recordAnchor(): number {
    const db = this.requireUnlocked();
    let counter = 0;
    this.tx(db, () => {
      this.manifest.anchored = (this.manifest.counter ?? 0) + 1;
      this.writeManifest();
      counter = this.manifest.counter!;
    });
    return counter;
  }

  /** The control plane has seen a later state of this cache than the file holds: it was rolled back. */
  markRolledBack(counter: number, anchored: number, known: number | null): void {
    this.problem_ = {
      code: 'CACHE_ROLLED_BACK',
      message:
        `This cache file is an older copy put back: the control plane holds an anchor of it at change ${anchored}, ` +
        `the file is at change ${counter} and its last anchor is ${known ?? 'none'}.`,
    };
  }

  private verify(): Problem | null {
    try {
      const ws = this.meta('workstation');
      if (!ws) throw new ArxFailure('CACHE_FILE_CORRUPT', 'The cache file has no workstation binding.');
      const bound = this.openCell({ table: 'meta', row: 'workstation', column: 'value' }, ws).toString('utf8');
      const m = this.meta('manifest');
      if (!m) throw new ArxFailure('CACHE_FILE_CORRUPT', 'The cache file has no manifest.');
      this.manifest = parse(this.openCell({ table: 'meta', row: 'manifest', column: 'value' }, m)) as Manifest;
      const ak = this.meta('anchor_key');
      this.anchorKey = ak ? this.openCell(ANCHOR_LOCATION, ak) : null;
      if (!ak && this.manifest.anchorKey) {
        // Removing it would make the next unlock start a new key and ignore every anchor (anchor.ts).
        throw new ArxFailure(
          'CACHE_FILE_TRUNCATED',
          'The cache file lost its anchor key (the sealed manifest says it has one).',
        );
      }
      if (bound !== this.options.workstationId) {
        throw new ArxFailure(
          'CACHE_FOREIGN_WORKSTATION',
          'This cache file was made on another workstation (it was copied here).',
        );
      }
      const records = (this.stmt('SELECT count(*) AS n FROM records').get() as { n: number }).n;
      const outbox = (this.stmt('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
      if (records !== this.manifest.records || outbox !== this.manifest.outbox) {
        throw new ArxFailure(
          'CACHE_FILE_TRUNCATED',
          `The cache file lost rows: it should hold ${this.manifest.records} records and ${this.manifest.outbox} outbox items, it holds ${records} and ${outbox}.`,
        );
      }
      for (const r of this.stmt('SELECT id, state, state_cell FROM outbox').all() as {
        id: string;
        state: string;
        state_cell: Buffer;
      }[]) {
        this.openCell({ table: 'outbox', row: r.id, column: `state=${r.state}` }, r.state_cell);
      }
      const known = this.manifest.refetchable;
      this.refetchableBytes =
        known && known.counter === (this.manifest.counter ?? 0) && Number.isSafeInteger(known.bytes) && known.bytes >= 0
          ? known.bytes
          : (this.stmt('SELECT coalesce(sum(size), 0) AS n FROM records WHERE refetchable = 1').get() as { n: number })
              .n;
      this.refetchableKnown = true;
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
    try {
      this.flushTouchesNow();
    } catch {
      // the LRU clock is advisory; losing it on a failing file changes nothing that matters
    }
    this.touched.clear();
    this.refetchableKnown = false;
    for (const k of this.keys.values()) k.wipe();
    this.anchorKey?.fill(0);
    this.anchorKey = null;
    this.keys.clear();
    this.unlockedBy = null;
    this.problem_ = null;
    this.statements.clear();
    this.head = null;
    this.db?.close();
    this.db = null;
  }

  /** Deletes the file (and its WAL); the keys go from memory. */
  wipe(): void {
    this.lock();
    for (const f of [this.file, `${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
  }

  /** Records a problem found while using the cache (a cell that did not open): the panel offers a rebuild. */
  private damaged(err: unknown): never {
    if (err instanceof ArxFailure && err.code.startsWith('CACHE_VALUE_'))
      this.problem_ ??= { code: err.code, message: err.message };
    throw err;
  }

  // ---------------------------------------------------------------- records

  private recordIds(kind: string, key: string): string[] {
    return [...this.keys.values()].map((k) => indexDigest(k, `record:${kind}`, key));
  }

  put(kind: RecordKind, key: string, value: unknown, opts: { refetchable: boolean }): void {
    const db = this.requireUnlocked();
    const gen = this.writingGeneration();
    const id = indexDigest(this.writingKey(), `record:${kind}`, key);
    const refetchable = opts.refetchable && !NEVER_EVICTED.has(kind) ? 1 : 0;
    db.transaction(() => {
      this.flushTouches();
      for (const old of this.recordIds(kind, key)) this.deleteRecord(old);
      const keyCell = this.seal({ table: 'records', row: id, column: 'key' }, Buffer.from(key, 'utf8'));
      const valueCell = this.seal({ table: 'records', row: id, column: 'value' }, json(value));
      const size = keyCell.length + valueCell.length;
      this.stmt(
        'INSERT INTO records (id, kind, generation, key_cell, value_cell, size, refetchable, last_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
      ).run(id, kind, gen, keyCell, valueCell, size, refetchable, this.now());
      this.manifest.records++;
      if (refetchable) {
        this.refetchableBytes += size;
        this.evict(id);
      }
      this.writeManifest();
    })();
  }

  private flushTouches(): void {
    if (this.touched.size === 0 || !this.db) return;
    const upd = this.stmt('UPDATE records SET last_access = ? WHERE id = ?');
    for (const [id, t] of this.touched) upd.run(t, id);
    this.touched.clear();
  }

  private deleteRecord(id: string): void {
    const row = this.stmt('DELETE FROM records WHERE id = ? RETURNING size, refetchable').get(id) as
      { size: number; refetchable: number } | undefined;
    if (!row) return;
    this.manifest.records--;
    if (row.refetchable) this.refetchableBytes -= row.size;
  }

  /** Least-recently-used eviction of re-fetchable records down to the limit (never the outbox or drafts). */
  private evict(keep: string): void {
    if (this.refetchableBytes <= this.options.limitBytes) return;
    const victims = this.stmt(
      'SELECT id FROM records WHERE refetchable = 1 AND id <> ? ORDER BY last_access, rowid',
    ).iterate(keep) as Iterable<{ id: string }>;
    const ids: string[] = [];
    let bytes = this.refetchableBytes;
    const sizeOf = this.stmt('SELECT size FROM records WHERE id = ?');
    for (const v of victims) {
      if (bytes <= this.options.limitBytes) break;
      bytes -= (sizeOf.get(v.id) as { size: number }).size;
      ids.push(v.id);
    }
    for (const id of ids) this.deleteRecord(id);
  }

  get<T = unknown>(kind: RecordKind, key: string): T | null {
    this.requireUnlocked();
    let row: { id: string; value_cell: Buffer; last_access: number } | undefined;
    if (this.keys.size === 1) {
      // The usual case (no rotation in progress): one keyed digest, one primary-key lookup.
      const id = this.recordIds(kind, key)[0]!;
      const r = this.stmt('SELECT value_cell, last_access FROM records WHERE id = ?').raw(true).get(id) as
        [Buffer, number] | undefined;
      row = r && { id, value_cell: r[0], last_access: r[1] };
    } else {
      const ids = this.recordIds(kind, key);
      row = this.stmt(
        `SELECT id, value_cell, last_access FROM records WHERE id IN (${ids.map(() => '?').join(',')})`,
      ).get(...ids) as typeof row;
    }
    if (!row) return null;
    let value: T;
    try {
      value = parse(this.openCell({ table: 'records', row: row.id, column: 'value' }, row.value_cell)) as T;
    } catch (err) {
      this.damaged(err);
    }
    this.touch(row.id, row.last_access);
    return value;
  }

  /**
   * The LRU clock: kept in memory at LRU_RESOLUTION_MS and written with the next change, at lock,
   * or when TOUCH_BATCH reads have moved it, in one transaction without fsync (see flushTouches):
   * a read never costs a synchronous write of its own.
   */
  private touch(id: string, lastAccess: number): void {
    const now = this.now();
    if (now - lastAccess < LRU_RESOLUTION_MS) return;
    this.touched.set(id, now);
    if (this.touched.size >= (this.options.touchBatch ?? TOUCH_BATCH)) this.flushTouchesNow();
  }

  /** Writes the LRU clock on its own. synchronous=NORMAL for this transaction only: in WAL mode that
   * skips the fsync but never corrupts (the next FULL commit syncs the WAL, these frames included);
   * a crash loses at most these access times, which only order eviction. */
  private flushTouchesNow(): void {
    const db = this.db;
    if (!db || this.touched.size === 0) return;
    db.pragma('synchronous = NORMAL');
    try {
      db.transaction(() => this.flushTouches())();
    } finally {
      db.pragma('synchronous = FULL');
    }
  }

  /** Keys of the records of one kind (decrypted), e.g. to list the cached explorer pages. */
  keysOf(kind: RecordKind): string[] {
    this.requireUnlocked();
    const rows = this.stmt('SELECT id, key_cell FROM records WHERE kind = ? ORDER BY last_access DESC').all(kind) as {
      id: string;
      key_cell: Buffer;
    }[];
    try {
      return rows.map((r) =>
        this.openCell({ table: 'records', row: r.id, column: 'key' }, r.key_cell).toString('utf8'),
      );
    } catch (err) {
      this.damaged(err);
    }
  }

  /** Record counts by kind (kinds are clear metadata). */
  kinds(): { kind: string; count: number }[] {
    this.requireUnlocked();
    return this.stmt('SELECT kind, count(*) AS count FROM records GROUP BY kind ORDER BY kind').all() as {
      kind: string;
      count: number;
    }[];
  }

  // ---------------------------------------------------------------- outbox

  enqueue(kind: string, payload: unknown, summary: string | null): { id: string; idempotencyKey: string; seq: number } {
    const db = this.requireUnlocked();
    const id = randomUUID();
    const idempotencyKey = randomUUID();
    const gen = this.writingGeneration();
    let seq = 0;
    db.transaction(() => {
      const cell = this.seal(
        { table: 'outbox', row: id, column: 'payload' },
        json({ payload, summary, createdAt: new Date(this.now()).toISOString() }),
      );
      const stateCell = this.seal({ table: 'outbox', row: id, column: 'state=pending' }, Buffer.alloc(0));
      const r = db
        .prepare(
          'INSERT INTO outbox (id, idempotency_key, kind, generation, payload_cell, state, state_cell) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, idempotencyKey, kind, gen, cell, 'pending', stateCell);
      seq = Number(r.lastInsertRowid);
      this.manifest.outbox++;
      this.writeManifest();
    })();
    return { id, idempotencyKey, seq };
  }

  /** Every outbox item, in order, with its payload when it opens (also on a damaged cache). */
  outbox(filter?: { state: OutboxRow['state'] }): OutboxRow[] {
    const db = this.requireUnlocked(true);
    const rows = db
      .prepare(
        `SELECT seq, id, idempotency_key, kind, state, attempts, payload_cell, error_cell FROM outbox ${filter ? 'WHERE state = ?' : ''} ORDER BY seq`,
      )
      .all(...(filter ? [filter.state] : [])) as {
      seq: number;
      id: string;
      idempotency_key: string;
      kind: string;
      state: OutboxRow['state'];
      attempts: number;
      payload_cell: Buffer;
      error_cell: Buffer | null;
    }[];
    return rows.map((r) => {
      const out: OutboxRow = {
        seq: r.seq,
        id: r.id,
        idempotencyKey: r.idempotency_key,
        kind: r.kind,
        state: r.state,
        attempts: r.attempts,
        payload: null,
        summary: null,
        createdAt: null,
        deliveredAt: null,
        lastError: null,
        unreadable: null,
      };
      try {
        const p = parse(this.openCell({ table: 'outbox', row: r.id, column: 'payload' }, r.payload_cell)) as {
          payload: unknown;
          summary: string | null;
          createdAt: string;
        };
        Object.assign(out, { payload: p.payload, summary: p.summary, createdAt: p.createdAt });
        if (r.error_cell) {
          const e = parse(this.openCell({ table: 'outbox', row: r.id, column: 'error' }, r.error_cell)) as {
            error: Problem | null;
            deliveredAt: string | null;
          };
          out.lastError = e.error;
          out.deliveredAt = e.deliveredAt;
        }
      } catch (err) {
        out.unreadable = err instanceof ArxFailure ? err.code : 'CACHE_VALUE_TAMPERED';
      }
      return out;
    });
  }

  /** Records a delivery attempt's outcome (state, error, time) in one transaction. */
  settle(id: string, state: OutboxRow['state'], error: Problem | null): void {
    const db = this.requireUnlocked(true);
    db.transaction(() => {
      const stateCell = this.seal({ table: 'outbox', row: id, column: `state=${state}` }, Buffer.alloc(0));
      const errorCell = this.seal(
        { table: 'outbox', row: id, column: 'error' },
        json({ error, deliveredAt: state === 'delivered' ? new Date(this.now()).toISOString() : null }),
      );
      this.stmt(
        'UPDATE outbox SET state = ?, state_cell = ?, error_cell = ?, attempts = attempts + 1 WHERE id = ?',
      ).run(state, stateCell, errorCell, id);
      this.writeManifest();
    })();
  }

  // ---------------------------------------------------------------- maintenance

  /** Wraps the current key generation(s) to another recipient; optionally removes every other card. */
  rewrap(to: Recipient, removeOtherCards: boolean): void {
    const db = this.requireUnlocked(true);
    db.transaction(() => {
      for (const k of this.keys.values()) this.insertWrap(wrapKey(this.cacheId, k, to), to, k);
      if (removeOtherCards) this.stmt("DELETE FROM key_wraps WHERE role = 'card' AND recipient <> ?").run(to.id);
    })();
  }

  /**
   * Rotates the data key: a new generation wrapped to the same recipients, then every record and
   * outbox item re-sealed in batches of `batchSize` (one transaction each). Killed half-way, the
   * next unlock has both keys and `rotate` continues where it stopped. Returns the rows left.
   */
  rotate(batchSize: number, maxBatches = Infinity): number {
    const db = this.requireUnlocked();
    let h = this.header();
    if (h.rotatingTo === null) {
      const recipients = this.recipients();
      const unknown = recipients.find((r) => !r.publicKey);
      if (unknown) {
        throw new ArxFailure(
          'CARD_CERT_MISSING',
          `The key is also wrapped to the card with ${unknown.label}, whose public key this cache no longer keeps in clear (format 1): open the cache once with that card, or re-wrap to your card with "Remove the other cards", then rotate.`,
          { recipient: unknown.id },
        );
      }
      const next = DataKey.random(h.generation + 1);
      this.tx(db, () => {
        for (const r of recipients as Recipient[]) this.insertWrap(wrapKey(this.cacheId, next, r), r, next);
        this.setMeta('rotating_to', Buffer.from(String(next.generation)));
      });
      this.keys.set(next.generation, next);
      this.manifest.sealed = 0;
      h = this.header();
    }
    const from = h.generation;
    const to = h.rotatingTo!;
    const selectRecords = this.stmt(
      'SELECT id, kind, key_cell, value_cell, refetchable, last_access FROM records WHERE generation = ? LIMIT ?',
    );
    const selectOutbox = this.stmt(
      'SELECT id, payload_cell, state, error_cell FROM outbox WHERE generation = ? LIMIT ?',
    );
    for (let batch = 0; batch < maxBatches; batch++) {
      const records = selectRecords.all(from, batchSize) as {
        id: string;
        kind: string;
        key_cell: Buffer;
        value_cell: Buffer;
        refetchable: number;
        last_access: number;
      }[];
      const items =
        records.length < batchSize
          ? (selectOutbox.all(from, batchSize - records.length) as {
              id: string;
              payload_cell: Buffer;
              state: string;
              error_cell: Buffer | null;
            }[])
          : [];
      if (records.length === 0 && items.length === 0) break;
      db.transaction(() => {
        for (const r of records) {
          const key = this.openCell({ table: 'records', row: r.id, column: 'key' }, r.key_cell);
          const value = this.openCell({ table: 'records', row: r.id, column: 'value' }, r.value_cell);
          const id = indexDigest(this.keys.get(to)!, `record:${r.kind}`, key.toString('utf8'));
          const keyCell = this.seal({ table: 'records', row: id, column: 'key' }, key);
          const valueCell = this.seal({ table: 'records', row: id, column: 'value' }, value);
          key.fill(0);
          value.fill(0);
          this.stmt('DELETE FROM records WHERE id = ?').run(r.id);
          const size = keyCell.length + valueCell.length;
          this.stmt(
            'INSERT INTO records (id, kind, generation, key_cell, value_cell, size, refetchable, last_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
          ).run(id, r.kind, to, keyCell, valueCell, size, r.refetchable, r.last_access);
        }
        for (const o of items) {
          const payload = this.openCell({ table: 'outbox', row: o.id, column: 'payload' }, o.payload_cell);
          this.openCell(
            { table: 'outbox', row: o.id, column: `state=${o.state}` },
            (this.stmt('SELECT state_cell FROM outbox WHERE id = ?').get(o.id) as { state_cell: Buffer }).state_cell,
          );
          const error = o.error_cell
            ? this.openCell({ table: 'outbox', row: o.id, column: 'error' }, o.error_cell)
            : null;
          this.stmt(
            'UPDATE outbox SET generation = ?, payload_cell = ?, state_cell = ?, error_cell = ? WHERE id = ?',
          ).run(
            to,
            this.seal({ table: 'outbox', row: o.id, column: 'payload' }, payload),
            this.seal({ table: 'outbox', row: o.id, column: `state=${o.state}` }, Buffer.alloc(0)),
            error ? this.seal({ table: 'outbox', row: o.id, column: 'error' }, error) : null,
            o.id,
          );
          payload.fill(0);
          error?.fill(0);
        }
        this.writeManifest();
      })();
    }
    const remaining = this.rotationRemaining();
    if (remaining === 0) {
      this.tx(db, () => {
        this.setMeta(
          'workstation',
          this.seal({ table: 'meta', row: 'workstation', column: 'value' }, Buffer.from(this.options.workstationId)),
        );
        if (this.anchorKey) this.setMeta('anchor_key', this.seal(ANCHOR_LOCATION, this.anchorKey));
        this.setMeta('generation', Buffer.from(String(to)));
        this.stmt("DELETE FROM meta WHERE name = 'rotating_to'").run();
        this.head = null;
        this.stmt('DELETE FROM key_wraps WHERE generation = ?').run(from);
        this.writeManifest();
      });
      this.keys.get(from)?.wipe();
      this.keys.delete(from);
      this.refetchableBytes = (
        this.stmt('SELECT coalesce(sum(size), 0) AS n FROM records WHERE refetchable = 1').get() as { n: number }
      ).n;
    }
    return remaining;
  }

  /** Rows still under the old generation of a rotation in progress, or null when none is. */
  rotation(): { to: number; remaining: number } | null {
    if (!this.db) return null;
    const h = this.header();
    return h.rotatingTo === null ? null : { to: h.rotatingTo, remaining: this.rotationRemaining() };
  }

  private rotationRemaining(): number {
    const h = this.header();
    if (h.rotatingTo === null) return 0;
    const n = (t: string) =>
      (this.stmt(`SELECT count(*) AS n FROM ${t} WHERE generation = ?`).get(h.generation) as { n: number }).n;
    return n('records') + n('outbox');
  }

  /**
   * Replaces a damaged cache by a new one (fresh key, same recipients), carrying over every
   * outbox item that still opens, with its order, state and idempotency key. The old file is kept
   * aside as `<file>.damaged-<time>` for investigation. The cache stays unlocked.
   */
  rebuild(recipients: Recipient[]): { kept: number; unreadable: number; quarantinedFile: string } {
    const unlockedBy = this.unlockedBy ?? 'rebuild';
    let items: OutboxRow[] = [];
    if (this.isUnlocked && this.db) {
      try {
        items = this.outbox();
      } catch {
        items = [];
      }
    }
    this.lock();
    const quarantinedFile = `${this.file}.damaged-${new Date(this.now()).toISOString().replace(/[:.]/g, '-')}`;
    if (this.exists()) {
      try {
        // Fold the WAL into the file first, so that the kept copy is whole.
        const db = new Database(this.file, { fileMustExist: true });
        db.pragma('wal_checkpoint(TRUNCATE)');
        db.close();
      } catch {
        // a file that is not a database has no WAL to fold
      }
      renameSync(this.file, quarantinedFile);
      for (const f of [`${this.file}-wal`, `${this.file}-shm`]) rmSync(f, { force: true });
    }
    this.create(recipients, unlockedBy);
    const readable = items.filter((i) => i.unreadable === null);
    const db = this.db!;
    db.transaction(() => {
      for (const i of readable) {
        const cell = this.seal(
          { table: 'outbox', row: i.id, column: 'payload' },
          json({ payload: i.payload, summary: i.summary, createdAt: i.createdAt }),
        );
        const stateCell = this.seal({ table: 'outbox', row: i.id, column: `state=${i.state}` }, Buffer.alloc(0));
        const errorCell =
          i.lastError || i.deliveredAt
            ? this.seal(
                { table: 'outbox', row: i.id, column: 'error' },
                json({ error: i.lastError, deliveredAt: i.deliveredAt }),
              )
            : null;
        this.stmt(
          'INSERT INTO outbox (id, idempotency_key, kind, generation, payload_cell, state, state_cell, attempts, error_cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        ).run(
          i.id,
          i.idempotencyKey,
          i.kind,
          this.writingGeneration(),
          cell,
          i.state,
          stateCell,
          i.attempts,
          errorCell,
        );
        this.manifest.outbox++;
      }
      this.writeManifest();
    })();
    return { kept: readable.length, unreadable: items.length - readable.length, quarantinedFile };
  }

  stats() {
    const db = this.db;
    const fileBytes = this.exists()
      ? statSync(this.file).size + (existsSync(`${this.file}-wal`) ? statSync(`${this.file}-wal`).size : 0)
      : 0;
    if (!db || !this.isUnlocked)
      return {
        fileBytes,
        records: 0,
        refetchableBytes: 0,
        outbox: { pending: 0, delivered: 0, rejected: 0 },
        generation: 0,
        sealed: 0,
      };
    const counts = { pending: 0, delivered: 0, rejected: 0 };
    for (const r of this.stmt('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as {
      state: keyof typeof counts;
      n: number;
    }[])
      counts[r.state] = r.n;
    let generation = 0;
    try {
      generation = this.header().generation;
    } catch {
      generation = 0;
    }
    return {
      fileBytes,
      records: (this.stmt('SELECT count(*) AS n FROM records').get() as { n: number }).n,
      refetchableBytes: this.refetchableBytes,
      outbox: counts,
      generation,
      sealed: this.manifest.sealed,
    };
  }

  /** Closes the file; the keys stay (tests use it to simulate a restart with `lock()` instead). */
  close(): void {
    this.lock();
  }
}
