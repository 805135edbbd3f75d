import { ArxFailure } from '../../../shared/contract';
import type { ExplorerFilter, ExplorerRow, ExplorerSort } from '../../../shared/contract/domains/audit-explorer';
import { eventPage, eventPageSql, matchCount, type EventPageRow } from '../controlplane/repos/explorer';
import type { Queryable } from '../controlplane/repos/queryable';

/**
 * Server-side filtering and sorting over a tenant's audit events with keyset pagination
 * (docs/explorer.md): the page continues after the last row's sort key and seq, so page 1,000
 * costs what page 1 does (no OFFSET). The SQL is in the explorer repository.
 */

/** Cursor: the last row's sort value and seq, as JSON in base64url. Opaque to the renderer. */
interface Cursor {
  k: ExplorerSort['key'];
  d: ExplorerSort['direction'];
  v: string | number | null;
  s: number;
}

export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify(c)).toString('base64url');
}

function decodeCursor(text: string, sort: ExplorerSort): Cursor {
  let c: unknown;
  try {
    c = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
  } catch {
    c = null;
  }
  const o = c as Partial<Cursor> | null;
  const valid =
    o !== null &&
    typeof o === 'object' &&
    o.k === sort.key &&
    o.d === sort.direction &&
    Number.isSafeInteger(o.s) &&
    (sort.key === 'time'
      ? typeof o.v === 'string' && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/.test(o.v)
      : sort.key === 'cost'
        ? Number.isSafeInteger(o.v)
        : o.v === null);
  if (!valid)
    throw new ArxFailure(
      'EXPLORER_CURSOR_INVALID',
      'The page cursor does not belong to this sort order; start again from the first page.',
      { path: 'cursor' },
    );
  return o as Cursor;
}

/** Refuses a filter whose range is empty (the page would be empty for a reason the user cannot see). */
function checkFilter(f: ExplorerFilter): void {
  if (f.costMin !== undefined && f.costMax !== undefined && f.costMin > f.costMax) {
    throw new ArxFailure(
      'EXPLORER_FILTER_INVALID',
      `The cost range is empty: from ${f.costMin} to ${f.costMax} cents.`,
      { path: 'filter.costMin' },
    );
  }
  if (f.timeFrom !== undefined && f.timeTo !== undefined && Date.parse(f.timeFrom) >= Date.parse(f.timeTo)) {
    throw new ArxFailure(
      'EXPLORER_FILTER_INVALID',
      `The time range is empty: ${f.timeFrom} is not before ${f.timeTo}.`,
      { path: 'filter.timeFrom' },
    );
  }
}

export function toRow(r: EventPageRow): ExplorerRow {
  return {
    seq: Number(r.seq),
    eventId: r.event_id,
    type: r.type,
    time: r.time_text,
    subject: r.x_subject,
    user: r.x_user,
    team: r.x_team,
    provider: r.x_provider,
    model: r.x_model,
    decision: r.x_decision,
    classification: r.x_classification,
    reason: r.x_reason,
    costCents: r.x_cost === null ? null : Number(r.x_cost),
  };
}

/** The SQL and parameters of one page (exported for EXPLAIN in tests and the bench). */
export function pageSql(
  tenantId: string,
  filter: ExplorerFilter,
  sort: ExplorerSort,
  cursor: string | null,
  limit: number,
): { text: string; values: unknown[] } {
  checkFilter(filter);
  const c = cursor === null ? null : decodeCursor(cursor, sort);
  return eventPageSql(tenantId, filter, sort, c, limit);
}

/** One page; run inside withTenant (row-level security is the tenant boundary, the WHERE is for the index). */
export async function queryPage(
  client: Queryable,
  tenantId: string,
  filter: ExplorerFilter,
  sort: ExplorerSort,
  cursor: string | null,
  limit: number,
): Promise<{ rows: ExplorerRow[]; next: string | null; countable?: true }> {
  const found = await eventPage(client, pageSql(tenantId, filter, sort, cursor, limit));
  const more = found.length > limit;
  const rows = found.slice(0, limit).map(toRow);
  const last = rows[rows.length - 1];
  const next =
    more && last
      ? encodeCursor({
          k: sort.key,
          d: sort.direction,
          v: sort.key === 'time' ? last.time : sort.key === 'cost' ? last.costCents : null,
          s: last.seq,
        })
      : null;
  // A filtered first page that does not hold every match can say how many there are: the count is
  // its own command (countMatches), so that the page is not delayed by it.
  const filtered = Object.values(filter).some((v) => v !== undefined);
  if (cursor !== null || !more || !filtered) return { rows, next };
  return { rows, next, countable: true };
}

/** How many events match `filter` (exact up to the limit, then PostgreSQL's estimate); inside withTenant. */
export function countMatches(
  client: Queryable,
  tenantId: string,
  filter: ExplorerFilter,
  sort: ExplorerSort,
): Promise<{ count: number; exact: boolean }> {
  checkFilter(filter);
  return matchCount(client, tenantId, filter, sort.key);
}
