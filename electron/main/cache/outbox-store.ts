/**
 * The outbox table of the cache file (docs/cache.md "Outbox"; delivery is outbox.ts): items
 * sealed in enqueue order with their idempotency key, their state (in clear, and sealed as an
 * empty cell at column `state=<state>` so that an edit of the clear column is found), attempts and
 * last error. Readable on a damaged cache, carried over by a rebuild.
 */
import { randomUUID } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { json, parse, type CacheState, type Problem } from './cache-state';

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

interface StoredItem {
  seq: number;
  id: string;
  idempotency_key: string;
  kind: string;
  state: OutboxRow['state'];
  attempts: number;
  payload_cell: Buffer;
  error_cell: Buffer | null;
}

const at = (row: string, column: string) => ({ table: 'outbox', row, column });
const EMPTY = Buffer.alloc(0);

export class OutboxStore {
  constructor(private readonly state: CacheState) {}

  private get file() {
    return this.state.file;
  }

  enqueue(kind: string, payload: unknown, summary: string | null): { id: string; idempotencyKey: string; seq: number } {
    const db = this.state.requireUnlocked();
    const id = randomUUID();
    const idempotencyKey = randomUUID();
    const gen = this.file.writingGeneration();
    let seq = 0;
    db.transaction(() => {
      const cell = this.state.seal(
        at(id, 'payload'),
        json({ payload, summary, createdAt: new Date(this.state.now()).toISOString() }),
      );
      const stateCell = this.state.seal(at(id, 'state=pending'), EMPTY);
      const r = db
        .prepare(
          'INSERT INTO outbox (id, idempotency_key, kind, generation, payload_cell, state, state_cell) VALUES (?, ?, ?, ?, ?, ?, ?)',
        )
        .run(id, idempotencyKey, kind, gen, cell, 'pending', stateCell);
      seq = Number(r.lastInsertRowid);
      this.state.manifest.outbox++;
      this.state.writeManifest();
    })();
    return { id, idempotencyKey, seq };
  }

  /** Every outbox item, in order, with its payload when it opens (also on a damaged cache). */
  list(filter?: { state: OutboxRow['state'] }): OutboxRow[] {
    const db = this.state.requireUnlocked(true);
    const rows = db
      .prepare(
        `SELECT seq, id, idempotency_key, kind, state, attempts, payload_cell, error_cell FROM outbox ${filter ? 'WHERE state = ?' : ''} ORDER BY seq`,
      )
      .all(...(filter ? [filter.state] : [])) as StoredItem[];
    return rows.map((r) => this.opened(r));
  }

  private opened(r: StoredItem): OutboxRow {
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
      const p = parse(this.state.openCell(at(r.id, 'payload'), r.payload_cell)) as {
        payload: unknown;
        summary: string | null;
        createdAt: string;
      };
      Object.assign(out, { payload: p.payload, summary: p.summary, createdAt: p.createdAt });
      if (r.error_cell) {
        const e = parse(this.state.openCell(at(r.id, 'error'), r.error_cell)) as {
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
  }

  /** Records a delivery attempt's outcome (state, error, time) in one transaction. */
  settle(id: string, state: OutboxRow['state'], error: Problem | null): void {
    const db = this.state.requireUnlocked(true);
    db.transaction(() => {
      const stateCell = this.state.seal(at(id, `state=${state}`), EMPTY);
      const errorCell = this.state.seal(
        at(id, 'error'),
        json({ error, deliveredAt: state === 'delivered' ? new Date(this.state.now()).toISOString() : null }),
      );
      this.file
        .stmt('UPDATE outbox SET state = ?, state_cell = ?, error_cell = ?, attempts = attempts + 1 WHERE id = ?')
        .run(state, stateCell, errorCell, id);
      this.state.writeManifest();
    })();
  }

  count(): number {
    return (this.file.stmt('SELECT count(*) AS n FROM outbox').get() as { n: number }).n;
  }

  counts(): { pending: number; delivered: number; rejected: number } {
    const counts = { pending: 0, delivered: 0, rejected: 0 };
    for (const r of this.file.stmt('SELECT state, count(*) AS n FROM outbox GROUP BY state').all() as {
      state: keyof typeof counts;
      n: number;
    }[])
      counts[r.state] = r.n;
    return counts;
  }

  /** Opens every sealed state cell: an edited clear `state` column is CACHE_VALUE_MISPLACED. */
  checkStates(): void {
    for (const r of this.file.stmt('SELECT id, state, state_cell FROM outbox').all() as {
      id: string;
      state: string;
      state_cell: Buffer;
    }[]) {
      this.state.openCell(at(r.id, `state=${r.state}`), r.state_cell);
    }
  }

  /**
   * Inserts items read from another (damaged) cache with their id, order, state, attempts and
   * idempotency key; inside the caller's transaction.
   */
  carryOver(items: OutboxRow[]): void {
    for (const i of items) {
      const cell = this.state.seal(
        at(i.id, 'payload'),
        json({ payload: i.payload, summary: i.summary, createdAt: i.createdAt }),
      );
      const stateCell = this.state.seal(at(i.id, `state=${i.state}`), EMPTY);
      const errorCell =
        i.lastError || i.deliveredAt
          ? this.state.seal(at(i.id, 'error'), json({ error: i.lastError, deliveredAt: i.deliveredAt }))
          : null;
      this.file
        .stmt(
          'INSERT INTO outbox (id, idempotency_key, kind, generation, payload_cell, state, state_cell, attempts, error_cell) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        )
        .run(
          i.id,
          i.idempotencyKey,
          i.kind,
          this.file.writingGeneration(),
          cell,
          i.state,
          stateCell,
          i.attempts,
          errorCell,
        );
      this.state.manifest.outbox++;
    }
  }

  /** Re-seals up to `limit` items of generation `from` under `to`; inside the caller's transaction. */
  reseal(from: number, to: number, limit: number): number {
    const items = this.file
      .stmt('SELECT id, payload_cell, state, error_cell FROM outbox WHERE generation = ? LIMIT ?')
      .all(from, limit) as { id: string; payload_cell: Buffer; state: string; error_cell: Buffer | null }[];
    for (const o of items) {
      const payload = this.state.openCell(at(o.id, 'payload'), o.payload_cell);
      this.state.openCell(
        at(o.id, `state=${o.state}`),
        (this.file.stmt('SELECT state_cell FROM outbox WHERE id = ?').get(o.id) as { state_cell: Buffer }).state_cell,
      );
      const error = o.error_cell ? this.state.openCell(at(o.id, 'error'), o.error_cell) : null;
      this.file
        .stmt('UPDATE outbox SET generation = ?, payload_cell = ?, state_cell = ?, error_cell = ? WHERE id = ?')
        .run(
          to,
          this.state.seal(at(o.id, 'payload'), payload),
          this.state.seal(at(o.id, `state=${o.state}`), EMPTY),
          error ? this.state.seal(at(o.id, 'error'), error) : null,
          o.id,
        );
      payload.fill(0);
      error?.fill(0);
    }
    return items.length;
  }
}
