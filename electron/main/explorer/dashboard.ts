import type { ExplorerDashboard } from '../../../shared/contract/domains/audit-explorer';
import { reasonLabel } from '../../../shared/explorer/labels';
import { DEFAULT_MAD_THRESHOLD, madScores } from '../../../shared/explorer/robust';
import {
  costByTeamProvider as costsOf,
  costPerUserDay,
  denialsByReason as denialsOf,
  eventsPerBucket,
  eventTimeBounds,
} from '../controlplane/repos/explorer';
import type { Queryable } from '../controlplane/repos/queryable';

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, '.000000Z');

/**
 * The dashboard's aggregates (each one GROUP BY over an index of migration 0006) and the robust
 * statistics over them (shared/explorer/robust.ts): events per bucket with its modified z-score,
 * and each user's (and team's) daily cost against that user's own median day. Run inside withTenant.
 */
export async function loadDashboard(
  client: Queryable,
  tenantId: string,
  timeFrom: string | null,
  timeTo: string | null,
): Promise<Omit<ExplorerDashboard, 'elapsedMs'>> {
  const span = await eventTimeBounds(client, tenantId);
  const from = timeFrom ? Date.parse(timeFrom) : (span.first?.getTime() ?? Date.now());
  const to = timeTo ? Date.parse(timeTo) : (span.last?.getTime() ?? Date.now()) + 1;
  const bucket: 'hour' | 'day' = to - from <= 3 * DAY ? 'hour' : 'day';
  const width = bucket === 'hour' ? HOUR : DAY;
  const window = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };

  const overTime = await eventsPerBucket(client, tenantId, window, bucket);
  const eventsOverTime = scoredBuckets(overTime, from, to, width);

  const denialsByReason = (await denialsOf(client, tenantId, window)).map((r) => ({
    reason: r.reason,
    label: reasonLabel(r.reason),
    count: r.count,
  }));

  const costByTeamProvider = (await costsOf(client, tenantId, window)).map((r) => ({
    team: r.team ?? '(none)',
    provider: r.provider ?? '(none)',
    costCents: r.cents,
  }));

  const { userDays, costOutliers } = costSeries(await costPerUserDay(client, tenantId, window));

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

/**
 * Every bucket of the window with its count, scored among the buckets that saw traffic: a quiet
 * night or weekend is not an anomaly, and with more empty buckets than busy ones the median and
 * MAD would both be 0. Only spikes count.
 */
function scoredBuckets(
  overTime: readonly { start: Date; count: number }[],
  from: number,
  to: number,
  width: number,
): ExplorerDashboard['eventsOverTime'] {
  const counts = new Map(overTime.map((r) => [r.start.getTime(), r.count]));
  const buckets: { start: number; count: number }[] = [];
  const first = Math.floor(from / width) * width;
  for (let t = first; t < to && buckets.length < 2000; t += width)
    buckets.push({ start: t, count: counts.get(t) ?? 0 });
  const busy = buckets.filter((b) => b.count > 0);
  const scored = new Map(madScores(busy.map((b) => b.count)).map((s, i) => [busy[i]!.start, s]));
  return buckets.map((b) => {
    const s = scored.get(b.start);
    return {
      start: iso(Math.max(b.start, from)),
      end: iso(Math.min(b.start + width, to)),
      count: b.count,
      outlier: s !== undefined && s.outlier && s.score > 0,
      score: s === undefined ? 0 : finite(s.score),
    };
  });
}

type CostDay = { user: string | null; team: string | null; day: Date; cents: number };

/** Each user's and team's daily cost against its own median day; the outliers, highest score first. */
function costSeries(days: readonly CostDay[]): Pick<ExplorerDashboard, 'userDays' | 'costOutliers'> {
  const dayIso = (d: Date) => d.toISOString().slice(0, 10);
  const userDays: ExplorerDashboard['userDays'] = [];
  const costOutliers: ExplorerDashboard['costOutliers'] = [];
  const series = (kind: 'user' | 'team', key: (r: CostDay) => string | null) => {
    const groups = new Map<string, Map<string, number>>();
    for (const r of days) {
      const k = key(r);
      if (k === null) continue;
      const g = groups.get(k) ?? new Map<string, number>();
      groups.set(k, g);
      g.set(dayIso(r.day), (g.get(dayIso(r.day)) ?? 0) + r.cents);
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
  return { userDays, costOutliers };
}

/** JSON has no Infinity: a MAD of 0 gives an unbounded score, sent as a large finite one. */
const finite = (x: number) => (Number.isFinite(x) ? x : x > 0 ? 1e9 : -1e9);
