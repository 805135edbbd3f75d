import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import type { ExplorerFilter, ExplorerRow, ExplorerSort } from '../../../shared/contract/domains/audit-explorer';

/**
 * Server-side filtering and sorting over a tenant's audit events with keyset pagination
 * (docs/explorer.md). Every filter is an equality or a range on a column that migration 0006
 * indexes; the page continues after the last row's sort key and seq, so page 1,000 costs what
 * page 1 does (no OFFSET). Values are always bound parameters.
 */

/** The formatted time: exactly the event's microseconds, in the events' own format (RFC 3339, Z). */
export const TIME_SQL = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ROW_COLUMNS = `seq, event_id, type, ${TIME_SQL} AS time_text, x_subject, x_user, x_team, x_provider, x_model, x_decision, x_classification, x_reason, x_cost`;

interface RawRow {
  seq: string;
  event_id: string;
  type: string;
  time_text: string;
  x_subject: string | null;
  x_user: string | null;
  x_team: string | null;
  x_provider: string | null;
  x_model: string | null;
  x_decision: string | null;
  x_classification: string | null;
  x_reason: string | null;
  x_cost: string | null;
}

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

/** Builds the WHERE clause (after the tenant) for a filter; `params` receives the values. */
export function filterClauses(f: ExplorerFilter, params: unknown[]): string[] {
  const p = (v: unknown) => {
    params.push(v);
    return `$${params.length}`;
  };
  const where: string[] = [];
  if (f.type !== undefined) where.push(`type = ${p(f.type)}`);
  if (f.timeFrom !== undefined) where.push(`time >= ${p(f.timeFrom)}::timestamptz`);
  if (f.timeTo !== undefined) where.push(`time < ${p(f.timeTo)}::timestamptz`);
  const eq: [keyof ExplorerFilter, string][] = [
    ['user', 'x_user'],
    ['team', 'x_team'],
    ['provider', 'x_provider'],
    ['model', 'x_model'],
    ['decision', 'x_decision'],
    ['classification', 'x_classification'],
    ['reason', 'x_reason'],
  ];
  for (const [key, col] of eq) if (f[key] !== undefined) where.push(`${col} = ${p(f[key])}`);
  if (f.costMin !== undefined) where.push(`x_cost >= ${p(f.costMin)}`);
  if (f.costMax !== undefined) where.push(`x_cost <= ${p(f.costMax)}`);
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
  if (f.search !== undefined) {
    const s = p(f.search);
    // Three exact matches, each on its own index (a BitmapOr), never a scan of the payloads.
    where.push(`(event_id = ${s} OR x_subject = ${s} OR x_request = ${s})`);
  }
  return where;
}

export function toRow(r: RawRow): ExplorerRow {
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
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1', ...filterClauses(filter, values)];
  const desc = sort.direction === 'desc';
  const cmp = desc ? '<' : '>';
  const dir = desc ? 'DESC' : 'ASC';
  const c = cursor === null ? null : decodeCursor(cursor, sort);
  let order: string;
  if (sort.key === 'time') {
    order = `time ${dir}, seq ${dir}`;
    if (c) {
      values.push(c.v, c.s);
      where.push(`(time, seq) ${cmp} ($${values.length - 1}::timestamptz, $${values.length}::bigint)`);
    }
  } else if (sort.key === 'cost') {
    // Sorting by cost lists the events that carry a cost (com.arx.cost.recorded).
    where.push('x_cost IS NOT NULL');
    order = `x_cost ${dir}, seq ${dir}`;
    if (c) {
      values.push(c.v, c.s);
      where.push(`(x_cost, seq) ${cmp} ($${values.length - 1}::bigint, $${values.length}::bigint)`);
    }
  } else {
    order = `seq ${dir}`;
    if (c) {
      values.push(c.s);
      where.push(`seq ${cmp} $${values.length}::bigint`);
    }
  }
  values.push(limit + 1);
  return {
    text: `SELECT ${ROW_COLUMNS} FROM arx.audit_events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${values.length}`,
    values,
  };
}

/** One page; run inside withTenant (row-level security is the tenant boundary, the WHERE is for the index). */
export async function queryPage(
  client: pg.ClientBase,
  tenantId: string,
  filter: ExplorerFilter,
  sort: ExplorerSort,
  cursor: string | null,
  limit: number,
): Promise<{ rows: ExplorerRow[]; next: string | null }> {
  const q = pageSql(tenantId, filter, sort, cursor, limit);
  const r = await client.query<RawRow>(q);
  const more = r.rows.length > limit;
  const rows = r.rows.slice(0, limit).map(toRow);
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
  return { rows, next };
}
