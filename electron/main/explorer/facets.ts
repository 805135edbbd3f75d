import type pg from 'pg';
import { TIME_SQL } from './query';

/** Columns the explorer offers as pick lists (each indexed by migration 0006). */
const FACET_COLUMNS = {
  user: 'x_user',
  team: 'x_team',
  provider: 'x_provider',
  model: 'x_model',
  reason: 'x_reason',
} as const;
const MAX_VALUES = 500;

/**
 * The distinct values of each facet with a loose index scan (a recursive CTE that jumps from one
 * value to the next in the column's index): a few dozen index probes instead of reading a
 * million rows to count them. Run inside withTenant.
 */
export async function loadFacets(client: pg.ClientBase, tenantId: string) {
  const out: Record<keyof typeof FACET_COLUMNS, string[]> = { user: [], team: [], provider: [], model: [], reason: [] };
  for (const [key, col] of Object.entries(FACET_COLUMNS) as [keyof typeof FACET_COLUMNS, string][]) {
    const r = await client.query<{ v: string }>(
      `WITH RECURSIVE t(v) AS (
         (SELECT ${col} FROM arx.audit_events WHERE tenant_id = $1 AND ${col} IS NOT NULL ORDER BY ${col} LIMIT 1)
         UNION ALL
         SELECT (SELECT ${col} FROM arx.audit_events WHERE tenant_id = $1 AND ${col} > t.v ORDER BY ${col} LIMIT 1) FROM t WHERE t.v IS NOT NULL
       ) SELECT v FROM t WHERE v IS NOT NULL LIMIT ${MAX_VALUES}`,
      [tenantId],
    );
    out[key] = r.rows.map((x) => x.v);
  }
  const span = await client.query<{ first: string | null; last: string | null; events: string | null }>(
    `SELECT (SELECT ${TIME_SQL} FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time ASC LIMIT 1) AS first,
            (SELECT ${TIME_SQL} FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time DESC LIMIT 1) AS last,
            (SELECT seq + 1 FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1) AS events`,
    [tenantId],
  );
  const s = span.rows[0];
  return { ...out, firstTime: s?.first ?? null, lastTime: s?.last ?? null, events: Number(s?.events ?? 0) };
}
