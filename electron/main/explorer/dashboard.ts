import type pg from 'pg';
import type { ExplorerDashboard } from '../../../shared/contract/domains/audit-explorer';
import { reasonLabel } from '../../../shared/explorer/labels';
import { DEFAULT_MAD_THRESHOLD, madScores } from '../../../shared/explorer/robust';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000000Z');

/**
 * The dashboard's aggregates, each one GROUP BY over an index of migration 0006, and the robust
 * statistics over them (shared/explorer/robust.ts): events per bucket with its modified z-score,
 * and each user's (and team's) daily cost against that user's own median day. Run inside withTenant.
 */
export async function loadDashboard(
  client: pg.ClientBase,
  tenantId: string,
  timeFrom: string | null,
  timeTo: string | null,
): Promise<Omit<ExplorerDashboard, 'elapsedMs'>> {
  const span = await client.query<{ first: Date | null; last: Date | null }>(
    `SELECT (SELECT time FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time ASC LIMIT 1) AS first,
            (SELECT time FROM arx.audit_events WHERE tenant_id = $1 ORDER BY time DESC LIMIT 1) AS last`,
    [tenantId],
  );
  const from = timeFrom ? Date.parse(timeFrom) : (span.rows[0]?.first?.getTime() ?? Date.now());
  const to = timeTo ? Date.parse(timeTo) : (span.rows[0]?.last?.getTime() ?? Date.now()) + 1;
  const bucket: 'hour' | 'day' = to - from <= 3 * DAY ? 'hour' : 'day';
  const width = bucket === 'hour' ? HOUR : DAY;
  const range = [tenantId, new Date(from).toISOString(), new Date(to).toISOString()];
  const inRange = 'tenant_id = $1 AND time >= $2::timestamptz AND time < $3::timestamptz';

  const overTime = await client.query<{ b: Date; n: string }>(
    // date_bin on UTC-aligned buckets: no per-row time-zone conversion, whatever the session time zone.
    `SELECT date_bin('1 ${bucket}', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS b, count(*) AS n FROM arx.audit_events WHERE ${inRange} GROUP BY 1 ORDER BY 1`,
    range,
  );
  const counts = new Map(overTime.rows.map((r) => [r.b.getTime(), Number(r.n)]));
  const buckets: { start: number; count: number }[] = [];
  const first = Math.floor(from / width) * width;
  for (let t = first; t < to && buckets.length < 2000; t += width)
    buckets.push({ start: t, count: counts.get(t) ?? 0 });
  // Scored among the buckets that saw traffic: a quiet night or weekend is not an anomaly, and
  // with more empty buckets than busy ones the median and MAD would both be 0. Only spikes count.
  const busy = buckets.filter((b) => b.count > 0);
  const scored = new Map(madScores(busy.map((b) => b.count)).map((s, i) => [busy[i]!.start, s]));
  const eventsOverTime = buckets.map((b) => {
    const s = scored.get(b.start);
    return {
      start: iso(Math.max(b.start, from)),
      end: iso(Math.min(b.start + width, to)),
      count: b.count,
      outlier: s !== undefined && s.outlier && s.score > 0,
      score: s === undefined ? 0 : finite(s.score),
    };
  });

  const denials = await client.query<{ reason: string; n: string }>(
    `SELECT x_reason AS reason, count(*) AS n FROM arx.audit_events WHERE ${inRange} AND x_reason IS NOT NULL GROUP BY 1 ORDER BY 2 DESC, 1`,
    range,
  );
  const denialsByReason = denials.rows.map((r) => ({
    reason: r.reason,
    label: reasonLabel(r.reason),
    count: Number(r.n),
  }));

  const costs = await client.query<{ team: string | null; provider: string | null; cents: string }>(
    `SELECT x_team AS team, x_provider AS provider, sum(x_cost) AS cents FROM arx.audit_events
     WHERE ${inRange} AND x_cost IS NOT NULL GROUP BY 1, 2 ORDER BY 1, 2`,
    range,
  );
  const costByTeamProvider = costs.rows.map((r) => ({
    team: r.team ?? '(none)',
    provider: r.provider ?? '(none)',
    costCents: Number(r.cents),
  }));

  const days = await client.query<{ user: string | null; team: string | null; day: Date; cents: string }>(
    `SELECT x_user AS user, x_team AS team, date_bin('1 day', time, TIMESTAMPTZ '2000-01-01 00:00:00+00') AS day, sum(x_cost) AS cents FROM arx.audit_events
     WHERE ${inRange} AND x_cost IS NOT NULL GROUP BY 1, 2, 3`,
    range,
  );
  const dayIso = (d: Date) => d.toISOString().slice(0, 10);
  const userDays: ExplorerDashboard['userDays'] = [];
  const costOutliers: ExplorerDashboard['costOutliers'] = [];
  const series = (kind: 'user' | 'team', key: (r: (typeof days.rows)[number]) => string | null) => {
    const groups = new Map<string, Map<string, number>>();
    for (const r of days.rows) {
      const k = key(r);
      if (k === null) continue;
      const g = groups.get(k) ?? new Map<string, number>();
      groups.set(k, g);
      g.set(dayIso(r.day), (g.get(dayIso(r.day)) ?? 0) + Number(r.cents));
    }
    for (const [name, g] of [...groups].sort(([a], [b]) => a.localeCompare(b))) {
      const entries = [...g].sort(([a], [b]) => a.localeCompare(b));
      const s = madScores(entries.map(([, v]) => v));
      entries.forEach(([day, cents], i) => {
        const sc = s[i]!;
        if (kind === 'user') userDays.push({ user: name, day, costCents: cents, score: finite(sc.score) });
        if (sc.outlier && sc.score > 0)
          costOutliers.push({
            series: name,
            seriesKind: kind,
            day,
            costCents: cents,
            median: sc.median,
            mad: sc.mad,
            score: finite(sc.score),
          });
      });
    }
  };
  series('user', (r) => r.user);
  series('team', (r) => r.team);
  costOutliers.sort((a, b) => b.score - a.score);

  return {
    bucket,
    eventsOverTime,
    denialsByReason,
    costByTeamProvider,
    costOutliers,
    userDays,
    threshold: DEFAULT_MAD_THRESHOLD,
  };
}

/** JSON has no Infinity: a MAD of 0 gives an unbounded score, sent as a large finite one. */
const finite = (x: number) => (Number.isFinite(x) ? x : x > 0 ? 1e9 : -1e9);
