/**
 * The cache's records (docs/cache.md "Size limit"): sealed key and value cells under a keyed-digest
 * id, the LRU clock, eviction of re-fetchable records down to the limit, and their re-sealing
 * during a rotation.
 */
import { indexDigest } from './envelope';
import { json, parse, type CacheState } from './cache-state';

export type RecordKind =
  'event-page' | 'verification' | 'certificate' | 'bundle' | 'policy-draft' | 'trust-anchor' | 'crl' | (string & {});
/** Kinds that are never evicted, whatever the caller says. */
const NEVER_EVICTED = new Set<string>(['policy-draft']);

/** Resolution of the LRU clock: a read moves a record's last access only when it is older than this. */
export const LRU_RESOLUTION_MS = 60_000;
/** Moved access times written on their own once this many are pending (else with the next change, or at lock). */
export const TOUCH_BATCH = 4096;

const INSERT_RECORD =
  'INSERT INTO records (id, kind, generation, key_cell, value_cell, size, refetchable, last_access) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

const cell = (row: string, column: 'key' | 'value') => ({ table: 'records', row, column });

export class RecordStore {
  /** Records read since the last write: id → last access time (see get). */
  private readonly touched = new Map<string, number>();

  constructor(private readonly state: CacheState) {}

  private get file() {
    return this.state.file;
  }

  private recordIds(kind: string, key: string): string[] {
    return [...this.state.keys.values()].map((k) => indexDigest(k, `record:${kind}`, key));
  }

  put(kind: RecordKind, key: string, value: unknown, opts: { refetchable: boolean }): void {
    const db = this.state.requireUnlocked();
    const gen = this.file.writingGeneration();
    const id = indexDigest(this.state.writingKey(), `record:${kind}`, key);
    const refetchable = opts.refetchable && !NEVER_EVICTED.has(kind) ? 1 : 0;
    db.transaction(() => {
      this.flushTouches();
      for (const old of this.recordIds(kind, key)) this.deleteRecord(old);
      const keyCell = this.state.seal(cell(id, 'key'), Buffer.from(key, 'utf8'));
      const valueCell = this.state.seal(cell(id, 'value'), json(value));
      const size = keyCell.length + valueCell.length;
      this.file.stmt(INSERT_RECORD).run(id, kind, gen, keyCell, valueCell, size, refetchable, this.state.now());
      this.state.manifest.records++;
      if (refetchable) {
        this.state.refetchableBytes += size;
        this.evict(id);
      }
      this.state.writeManifest();
    })();
  }

  get<T = unknown>(kind: RecordKind, key: string): T | null {
    this.state.requireUnlocked();
    let row: { id: string; value_cell: Buffer; last_access: number } | undefined;
    if (this.state.keys.size === 1) {
      // The usual case (no rotation in progress): one keyed digest, one primary-key lookup.
      const id = this.recordIds(kind, key)[0]!;
      const r = this.file.stmt('SELECT value_cell, last_access FROM records WHERE id = ?').raw(true).get(id) as
        [Buffer, number] | undefined;
      row = r && { id, value_cell: r[0], last_access: r[1] };
    } else {
      const ids = this.recordIds(kind, key);
      row = this.file
        .stmt(`SELECT id, value_cell, last_access FROM records WHERE id IN (${ids.map(() => '?').join(',')})`)
        .get(...ids) as typeof row;
    }
    if (!row) return null;
    let value: T;
    try {
      value = parse(this.state.openCell(cell(row.id, 'value'), row.value_cell)) as T;
    } catch (err) {
      this.state.damaged(err);
    }
    this.touch(row.id, row.last_access);
    return value;
  }

  /** Keys of the records of one kind (decrypted), e.g. to list the cached explorer pages. */
  keysOf(kind: RecordKind): string[] {
    this.state.requireUnlocked();
    const rows = this.file
      .stmt('SELECT id, key_cell FROM records WHERE kind = ? ORDER BY last_access DESC')
      .all(kind) as { id: string; key_cell: Buffer }[];
    try {
      return rows.map((r) => this.state.openCell(cell(r.id, 'key'), r.key_cell).toString('utf8'));
    } catch (err) {
      this.state.damaged(err);
    }
  }

  /** Record counts by kind (kinds are clear metadata). */
  kinds(): { kind: string; count: number }[] {
    this.state.requireUnlocked();
    return this.file.stmt('SELECT kind, count(*) AS count FROM records GROUP BY kind ORDER BY kind').all() as {
      kind: string;
      count: number;
    }[];
  }

  count(): number {
    return (this.file.stmt('SELECT count(*) AS n FROM records').get() as { n: number }).n;
  }

  /** Bytes of re-fetchable records, summed over the table (reads every row). */
  sumRefetchable(): number {
    return (
      this.file.stmt('SELECT coalesce(sum(size), 0) AS n FROM records WHERE refetchable = 1').get() as { n: number }
    ).n;
  }

  private deleteRecord(id: string): void {
    const row = this.file.stmt('DELETE FROM records WHERE id = ? RETURNING size, refetchable').get(id) as
      { size: number; refetchable: number } | undefined;
    if (!row) return;
    this.state.manifest.records--;
    if (row.refetchable) this.state.refetchableBytes -= row.size;
  }

  /** Least-recently-used eviction of re-fetchable records down to the limit (never the outbox or drafts). */
  private evict(keep: string): void {
    const limit = this.state.options.limitBytes;
    if (this.state.refetchableBytes <= limit) return;
    const victims = this.file
      .stmt('SELECT id FROM records WHERE refetchable = 1 AND id <> ? ORDER BY last_access, rowid')
      .iterate(keep) as Iterable<{ id: string }>;
    const ids: string[] = [];
    let bytes = this.state.refetchableBytes;
    const sizeOf = this.file.stmt('SELECT size FROM records WHERE id = ?');
    for (const v of victims) {
      if (bytes <= limit) break;
      bytes -= (sizeOf.get(v.id) as { size: number }).size;
      ids.push(v.id);
    }
    for (const id of ids) this.deleteRecord(id);
  }

  /**
   * The LRU clock: kept in memory at LRU_RESOLUTION_MS and written with the next change, at lock,
   * or when TOUCH_BATCH reads have moved it, in one transaction without fsync (see flushTouchesNow):
   * a read never costs a synchronous write of its own.
   */
  private touch(id: string, lastAccess: number): void {
    const now = this.state.now();
    if (now - lastAccess < LRU_RESOLUTION_MS) return;
    this.touched.set(id, now);
    if (this.touched.size >= (this.state.options.touchBatch ?? TOUCH_BATCH)) this.flushTouchesNow();
  }

  private flushTouches(): void {
    if (this.touched.size === 0 || !this.file.db) return;
    const upd = this.file.stmt('UPDATE records SET last_access = ? WHERE id = ?');
    for (const [id, t] of this.touched) upd.run(t, id);
    this.touched.clear();
  }

  /** Writes the LRU clock on its own. synchronous=NORMAL for this transaction only: in WAL mode that
   * skips the fsync but never corrupts (the next FULL commit syncs the WAL, these frames included);
   * a crash loses at most these access times, which only order eviction. */
  flushTouchesNow(): void {
    const db = this.file.db;
    if (!db || this.touched.size === 0) return;
    db.pragma('synchronous = NORMAL');
    try {
      db.transaction(() => this.flushTouches())();
    } finally {
      db.pragma('synchronous = FULL');
    }
  }

  /** At lock: the pending clock moves are written if the file allows, then forgotten. */
  closeClock(): void {
    try {
      this.flushTouchesNow();
    } catch {
      // the LRU clock is advisory; losing it on a failing file changes nothing that matters
    }
    this.touched.clear();
  }

  /**
   * Re-seals up to `limit` records of generation `from` under `to` (new keyed-digest ids, same
   * kind, size class and last access); inside the caller's transaction. Returns how many.
   */
  reseal(from: number, to: number, limit: number): number {
    const records = this.file
      .stmt('SELECT id, kind, key_cell, value_cell, refetchable, last_access FROM records WHERE generation = ? LIMIT ?')
      .all(from, limit) as {
      id: string;
      kind: string;
      key_cell: Buffer;
      value_cell: Buffer;
      refetchable: number;
      last_access: number;
    }[];
    for (const r of records) {
      const key = this.state.openCell(cell(r.id, 'key'), r.key_cell);
      const value = this.state.openCell(cell(r.id, 'value'), r.value_cell);
      const id = indexDigest(this.state.keys.get(to)!, `record:${r.kind}`, key.toString('utf8'));
      const keyCell = this.state.seal(cell(id, 'key'), key);
      const valueCell = this.state.seal(cell(id, 'value'), value);
      key.fill(0);
      value.fill(0);
      this.file.stmt('DELETE FROM records WHERE id = ?').run(r.id);
      const size = keyCell.length + valueCell.length;
      this.file.stmt(INSERT_RECORD).run(id, r.kind, to, keyCell, valueCell, size, r.refetchable, r.last_access);
    }
    return records.length;
  }
}
