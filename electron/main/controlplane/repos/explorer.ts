import type { ExplorerFilter, ExplorerSort } from '../../../../shared/contract/domains/audit-explorer';
import type { Queryable } from './queryable';
import { tenantLiteral } from './events';

/**
 * The explorer's reads of arx.audit_events (docs/explorer.md): keyset pages, facet values and the
 * dashboard's aggregates. Every filter is an equality or a range on a column that migration 0006
 * indexes; values are always bound parameters. Called inside withTenant (row-level security is the
 * tenant boundary; the tenant_id condition is for the indexes).
 */

/** The formatted time: exactly the event's microseconds, in the events' own format (RFC 3339, Z). */
const TIME_SQL = `to_char(time AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

const ROW_COLUMNS = `seq, event_id, type, ${TIME_SQL} AS time_text, x_subject, x_user, x_team, x_provider, x_model, x_decision, x_classification, x_reason, x_cost`;

export interface EventPageRow {
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

/** Where a page continues: the last row's sort value and seq. */
export interface Keyset {
  v: string | number | null;
  s: number;
}

/** Builds the WHERE clause (after the tenant) for a filter; `params` receives the values. */
function filterClauses(f: ExplorerFilter, params: unknown[]): string[] {
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
  if (f.search !== undefined) {
    const s = p(f.search);
    // Three exact matches, each on its own index (a BitmapOr), never a scan of the payloads.
    where.push(`(event_id = ${s} OR x_subject = ${s} OR x_request = ${s})`);
  }
  return where;
}

/** The SQL and parameters of one page (one row more than `limit`, to know whether another follows). */
export function eventPageSql(
  tenantId: string,
  filter: ExplorerFilter,
  sort: ExplorerSort,
  after: Keyset | null,
  limit: number,
): { text: string; values: unknown[] } {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1', ...filterClauses(filter, values)];
  const desc = sort.direction === 'desc';
  const cmp = desc ? '<' : '>';
  const dir = desc ? 'DESC' : 'ASC';
  let order: string;
  if (sort.key === 'time') {
    order = `time ${dir}, seq ${dir}`;
    if (after) {
      values.push(after.v, after.s);
      where.push(`(time, seq) ${cmp} ($${values.length - 1}::timestamptz, $${values.length}::bigint)`);
    }
  } else if (sort.key === 'cost') {
    // Sorting by cost lists the events that carry a cost (com.arx.cost.recorded).
    where.push('x_cost IS NOT NULL');
    order = `x_cost ${dir}, seq ${dir}`;
    if (after) {
      values.push(after.v, after.s);
      where.push(`(x_cost, seq) ${cmp} ($${values.length - 1}::bigint, $${values.length}::bigint)`);
    }
  } else {
    order = `seq ${dir}`;
    if (after) {
      values.push(after.s);
      where.push(`seq ${cmp} $${values.length}::bigint`);
    }
  }
  values.push(limit + 1);
  return {
    text: `SELECT ${ROW_COLUMNS} FROM arx.audit_events WHERE ${where.join(' AND ')} ORDER BY ${order} LIMIT $${values.length}`,
    values,
  };
}

/** Matches counted one by one up to this many; above it the planner's estimate is given. */
export const EXACT_COUNT_LIMIT = 10_000;

/**
 * How many events match a filter: exact up to EXACT_COUNT_LIMIT (an index scan stopped there),
 * else PostgreSQL's row estimate for the query (EXPLAIN, nothing read), marked as an estimate.
 */
export async function matchCount(
  q: Queryable,
  tenantId: string,
  filter: ExplorerFilter,
  sortKey: ExplorerSort['key'],
  exactUpTo = EXACT_COUNT_LIMIT,
): Promise<{ count: number; exact: boolean }> {
  const values: unknown[] = [tenantId];
  const where = ['tenant_id = $1', ...filterClauses(filter, values)];
  if (sortKey === 'cost') where.push('x_cost IS NOT NULL');
  const from = `FROM arx.audit_events WHERE ${where.join(' AND ')}`;
  const capped = await q.query<{ n: string }>({
    text: `SELECT count(*) AS n FROM (SELECT 1 ${from} LIMIT ${Math.trunc(exactUpTo) + 1}) m`,
    values,
  });
  const n = Number(capped.rows[0]?.n ?? 0);
  if (n <= exactUpTo) return { count: n, exact: true };
  const plan = await q.query<{ 'QUERY PLAN': [{ Plan: { 'Plan Rows': number } }] }>({
    text: `EXPLAIN (FORMAT JSON) SELECT 1 ${from}`,
    values,
  });
  const estimate = Math.round(plan.rows[0]?.['QUERY PLAN'][0].Plan['Plan Rows'] ?? 0);
  // The estimate can be below what was just counted: never say fewer than that.
  return { count: Math.max(estimate, n), exact: false };
}

export async function eventPage(q: Queryable, sql: { text: string; values: unknown[] }): Promise<EventPageRow[]> {
  return (await q.query<EventPageRow>(sql)).rows;
}

/** Columns offered as pick lists (each indexed by migration 0006). */
export const FACET_COLUMNS = {
  user: 'x_user',
  team: 'x_team',
  provider: 'x_provider',
  model: 'x_model',
  reason: 'x_reason',
} as const;

/**
 * The distinct values of a facet column with a loose index scan (a recursive CTE that jumps from
 * one value to the next in the column's index): a few dozen index probes instead of reading every row.
 */
export async function facetValues(
  q: Queryable,
  tenantId: string,
  facet: keyof typeof FACET_COLUMNS,
  max: number,
): Promise<string[]> {
  const col = FACET_COLUMNS[facet];
  const r = await q.query<{ v: string }>(
    `WITH RECURSIVE t(v) AS (
       (SELECT ${col} FROM arx.audit_events WHERE tenant_id = $1 AND ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
       UNION ALL
       SELECT (SELECT ${col} FROM arx.audit_events WHERE tenant_id = $1 AND ${col} > t.v ORDER BY ${col} LIMIT 1) FROM t WHERE t.v IS NOT NULL
     ) SELECT v FROM t WHERE v IS NOT NULL LIMIT ${Math.trunc(max)}`,
    [tenantId],
  );
  return r.rows.map((x) => x.v);
}

/** The first and last event times (formatted, or as dates) and the chain's length. */
export async function eventSpan(
  q: Queryable,
  tenantId: string,
): Promise<{ first: string | null; last: string | null; events: number }> {
  const r = await q.query<{ first: string | null; last: string | null; events: string | null }>(
    `SELECT (SELECT ${TIME_SQL} FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time ASC LIMIT 1) AS first,
            (SELECT ${TIME_SQL} FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time DESC LIMIT 1) AS last,
            (SELECT seq + 1 FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1) AS events`,
    [tenantId],
  );
  const s = r.rows[0];
  return { first: s?.first ?? null, last: s?.last ?? null, events: Number(s?.events ?? 0) };
}

export async function eventTimeBounds(
  q: Queryable,
  tenantId: string,
): Promise<{ first: Date | null; last: Date | null }> {
  const r = await q.query<{ first: Date | null; last: Date | null }>(
    `SELECT (SELECT time FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time ASC LIMIT 1) AS first,
            (SELECT time FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time DESC LIMIT 1) AS last`,
    [tenantId],
  );
  return { first: r.rows[0]?.first ?? null, last: r.rows[0]?.last ?? null };
}

/** A time window of the dashboard: [from, to) as ISO times. */
export interface TimeWindow {
  from: string;
  to: string;
}

const IN_RANGE = 'tenant_id = $1 AND time >= $2::timestamptz AND time < $3::timestamptz';

/** Events per UTC-aligned bucket (date_bin: no per-row time-zone conversion, whatever the session time zone). */
export async function eventsPerBucket(
  q: Queryable,
  tenantId: string,
  w: TimeWindow,
  bucket: 'hour' | 'day',
): Promise<{ start: Date; count: number }[]> {
  const r = await q.query<{ b: Date; n: string }>(
    `SELECT date_bin('1 ${bucket === 'hour' ? 'hour' : 'day'}', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, count(*) AS n FROM arx.audit_events WHERE ${IN_RANGE} GROUP BY 1 ORDER BY 1`,
    [tenantId, w.from, w.to],
  );
  return r.rows.map((x) => ({ start: x.b, count: Number(x.n) }));
}

/** Denials per reason, most frequent first. */
export async function denialsByReason(
  q: Queryable,
  tenantId: string,
  w: TimeWindow,
): Promise<{ reason: string; count: number }[]> {
  const r = await q.query<{ reason: string; n: string }>(
    `SELECT x_reason AS reason, count(*) AS n FROM arx.audit_events WHERE ${IN_RANGE} AND x_reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    [tenantId, w.from, w.to],
  );
  return r.rows.map((x) => ({ reason: x.reason, count: Number(x.n) }));
}

export async function costByTeamProvider(
  q: Queryable,
  tenantId: string,
  w: TimeWindow,
): Promise<{ team: string | null; provider: string | null; cents: number }[]> {
  const r = await q.query<{ team: string | null; provider: string | null; cents: string }>(
    `SELECT x_team AS team, x_provider AS provider, sum(x_cost) AS cents FROM arx.audit_events
     WHERE ${IN_RANGE} AND x_cost IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    [tenantId, w.from, w.to],
  );
  return r.rows.map((x) => ({ team: x.team, provider: x.provider, cents: Number(x.cents) }));
}

/** Cost per user, team and UTC day. */
export async function costPerUserDay(
  q: Queryable,
  tenantId: string,
  w: TimeWindow,
): Promise<{ user: string | null; team: string | null; day: Date; cents: number }[]> {
  const r = await q.query<{ user: string | null; team: string | null; day: Date; cents: string }>(
    `SELECT x_user AS user, x_team AS team, date_bin('1 day', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS day, sum(x_cost) AS cents FROM arx.audit_events
     WHERE ${IN_RANGE} AND x_cost IS NOT NULL GROUP BY 1, 2, 3`,
    [tenantId, w.from, w.to],
  );
  return r.rows.map((x) => ({ user: x.user, team: x.team, day: x.day, cents: Number(x.cents) }));
}

/** One stored event as the detail view shows it, or null. */
export async function eventAt(
  q: Queryable,
  tenantId: string,
  seq: number,
): Promise<{ eventId: string; bytes: Buffer; doc: unknown; digest: Buffer; chainHash: Buffer } | null> {
  const r = await q.query<{ event_id: string; bytes: Buffer; doc: unknown; event_digest: Buffer; chain_hash: Buffer }>(
    'SELECT event_id, bytes, doc, event_digest, chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
    [tenantId, seq],
  );
  const x = r.rows[0];
  return x
    ? { eventId: x.event_id, bytes: x.bytes, doc: x.doc, digest: x.event_digest, chainHash: x.chain_hash }
    : null;
}

/**
 * The stored chain hashes of seq in [start, end) as one hex string and their count: one
 * aggregated value decodes much faster than a bytea per row (an index-only scan on the covering index).
 */
export async function chainHashesPacked(
  q: Queryable,
  tenantId: string,
  start: number,
  end: number,
): Promise<{ hex: string; count: number }> {
  const r = await q.query<{ hashes: string | null; n: string }>(
    `SELECT encode(string_agg(chain_hash, ''::bytea ORDER BY seq), 'hex') AS hashes, count(*) AS n
     FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq < $3`,
    [tenantId, start, end],
  );
  return { hex: r.rows[0]?.hashes ?? '', count: Number(r.rows[0]?.n ?? 0) };
}

/** The binary COPY of (seq, chain_hash) for seq in [start, end) (COPY binds no parameters: checked values inline). */
export function chainHashesCopySql(tenantId: string, start: number, end: number): string {
  return `SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = ${tenantLiteral(tenantId)}
      AND seq >= ${Math.trunc(start)} AND seq < ${Math.trunc(end)} ORDER BY seq`;
}
