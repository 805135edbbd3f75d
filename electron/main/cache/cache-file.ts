/**
 * The cache's SQLite file (docs/cache.md "File"): opening it (WAL, synchronous=FULL, quick_check),
 * its numbered migrations, prepared statements, the `meta` table and the clear header. Knows
 * nothing about keys: every sealed value is the caller's.
 */
import { closeSync, existsSync, fsyncSync, openSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { ArxFailure } from '../../../shared/contract';
import { CACHE_MIGRATIONS, SCRUB_PENDING } from './migrations';

/** The meta rows read by header(). */
const HEADER_ROWS = new Set(['cache_id', 'generation', 'rotating_to']);

export interface CacheHeader {
  cacheId: string;
  generation: number;
  /** The generation a rotation in progress re-seals to (null: none). */
  rotatingTo: number | null;
}

const corrupt = (file: string, message: string) => new ArxFailure('CACHE_FILE_CORRUPT', message, { file });

/** Opens the database with the cache's pragmas and checks it is a sound SQLite file. */
function openChecked(file: string, create: boolean): Database.Database {
  let db: Database.Database;
  try {
    db = new Database(file, { fileMustExist: !create });
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = FULL');
    db.pragma('foreign_keys = ON');
    const check = db.pragma('quick_check', { simple: true });
    if (check !== 'ok') {
      db.close();
      throw corrupt(file, `The cache file ${file} is damaged (SQLite: ${String(check).slice(0, 200)}).`);
    }
  } catch (err) {
    if (err instanceof ArxFailure) throw err;
    throw corrupt(file, `The cache file ${file} cannot be read as a cache (${(err as Error).message.slice(0, 200)}).`);
  }
  return db;
}

/** Brings the schema to the latest migration; refuses a file newer than this console or without a schema. */
function migrateSchema(db: Database.Database, file: string, create: boolean): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  const latest = CACHE_MIGRATIONS[CACHE_MIGRATIONS.length - 1]!.version;
  if (version > latest) {
    db.close();
    throw new ArxFailure(
      'CACHE_TOO_NEW',
      `The cache file is at format ${version}, newer than this console knows (${latest}).`,
      { file },
    );
  }
  if (!create && version === 0) {
    db.close();
    throw corrupt(file, `The cache file ${file} has no cache schema.`);
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
    scrubIfPending(db);
  } finally {
    db.pragma('secure_delete = OFF'); // the default: the records' write path stays as it was
  }
}

/**
 * After a migration that removed clear text (migrations.ts SCRUB_PENDING): VACUUM rebuilds the
 * file (no free page or free cell keeps the old bytes), the WAL is checkpointed and truncated (no
 * old frame either), then the marker goes. A failure (another process reading the file, a full
 * disk) leaves the marker: tried again at the next open; the cache itself stays usable.
 */
function scrubIfPending(db: Database.Database): void {
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

/** Makes a rename in `dir` durable (best effort: not every filesystem lets a directory be synced). */
function syncDirectory(dir: string): void {
  try {
    const fd = openSync(dir, 'r');
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch {
    // the rename itself is atomic either way
  }
}

export class CacheFile {
  db: Database.Database | null = null;
  private readonly statements = new Map<string, Database.Statement>();
  /** The clear header, read once per open file (it changes only through setMeta/tx). */
  private head: CacheHeader | null = null;

  constructor(readonly path: string) {}

  exists(): boolean {
    return existsSync(this.path);
  }

  /** Opens the file (no key needed): WAL, migrations, quick_check. */
  open(create: boolean): Database.Database {
    if (this.db) return this.db;
    if (!create && !this.exists())
      throw new ArxFailure('NOT_FOUND', 'There is no cache file yet.', { file: this.path });
    const db = openChecked(this.path, create);
    migrateSchema(db, this.path, create);
    this.db = db;
    return db;
  }

  /** A prepared statement of the open file, prepared once. */
  stmt(sql: string): Database.Statement {
    let st = this.statements.get(sql);
    if (!st) {
      st = this.open(false).prepare(sql);
      this.statements.set(sql, st);
    }
    return st;
  }

  meta(name: string): Buffer | null {
    const row = this.stmt('SELECT value FROM meta WHERE name = ?').get(name) as { value: Buffer | string } | undefined;
    if (!row) return null;
    return Buffer.isBuffer(row.value) ? row.value : Buffer.from(String(row.value), 'utf8');
  }

  setMeta(name: string, value: Buffer): void {
    // Only the clear header's rows invalidate the remembered header: the manifest, rewritten by
    // every change, must not cost three meta reads at the next put.
    if (HEADER_ROWS.has(name)) this.head = null;
    this.stmt(
      'INSERT INTO meta (name, value) VALUES (?, ?) ON CONFLICT (name) DO UPDATE SET value = excluded.value',
    ).run(name, value);
  }

  deleteMeta(name: string): void {
    this.stmt('DELETE FROM meta WHERE name = ?').run(name);
    this.head = null;
  }

  header(): CacheHeader {
    if (this.head) return this.head;
    const id = this.meta('cache_id');
    const gen = this.meta('generation');
    if (!id || !gen) throw corrupt(this.path, `The cache file ${this.path} has no header.`);
    const rot = this.meta('rotating_to');
    this.head = {
      cacheId: id.toString('utf8'),
      generation: Number(gen.toString('utf8')),
      rotatingTo: rot ? Number(rot.toString('utf8')) : null,
    };
    return this.head;
  }

  /** The generation new cells are sealed under (the target of a rotation in progress). */
  writingGeneration(): number {
    const h = this.header();
    return h.rotatingTo ?? h.generation;
  }

  /** A transaction that changes the header: a rollback must not leave the remembered header behind. */
  tx(fn: () => void): void {
    try {
      this.open(false).transaction(fn)();
    } finally {
      this.head = null;
    }
  }

  close(): void {
    this.statements.clear();
    this.head = null;
    this.db?.close();
    this.db = null;
  }

  /** Deletes the file, its WAL and shared memory (the file must be closed). */
  remove(): void {
    for (const f of [this.path, `${this.path}-wal`, `${this.path}-shm`]) rmSync(f, { force: true });
  }

  /**
   * Moves the (closed) file to `target`, which must not exist. The WAL is folded in first and the
   * move is one rename, so a crash leaves the whole file under one of its two names; a WAL that
   * cannot be folded (another process reading the file) refuses the move: CACHE_BUSY.
   */
  moveTo(target: string): void {
    if (existsSync(target))
      throw new ArxFailure('INVALID_REQUEST', `A cache file already exists at ${target}.`, { file: target });
    let busy = true;
    try {
      const db = new Database(this.path, { fileMustExist: true });
      try {
        const [cp] = db.pragma('wal_checkpoint(TRUNCATE)') as { busy: number }[];
        busy = Boolean(cp?.busy);
      } finally {
        db.close();
      }
    } catch (err) {
      throw corrupt(this.path, `The cache file ${this.path} cannot be read (${(err as Error).message.slice(0, 200)}).`);
    }
    const wal = `${this.path}-wal`;
    if (busy || (existsSync(wal) && statSync(wal).size > 0))
      throw new ArxFailure(
        'CACHE_BUSY',
        `The cache file ${this.path} is in use by another program: close it and log in again.`,
        { file: this.path },
      );
    renameSync(this.path, target);
    for (const f of [wal, `${this.path}-shm`]) rmSync(f, { force: true });
    syncDirectory(dirname(target));
  }

  /**
   * Moves the (closed) file aside as `<file>.damaged-<time>`, the WAL folded in first so that the
   * kept copy is whole. Returns the new name.
   */
  quarantine(now: number): string {
    const aside = `${this.path}.damaged-${new Date(now).toISOString().replace(/[:.]/g, '-')}`;
    if (!this.exists()) return aside;
    try {
      const db = new Database(this.path, { fileMustExist: true });
      db.pragma('wal_checkpoint(TRUNCATE)');
      db.close();
    } catch {
      // a file that is not a database has no WAL to fold
    }
    renameSync(this.path, aside);
    for (const f of [`${this.path}-wal`, `${this.path}-shm`]) rmSync(f, { force: true });
    return aside;
  }
}
