import { ScatterChart } from '@mantine/charts';
import { Button, Table, Text } from '@mantine/core';
import type { ExplorerDashboard } from '../../../../shared/contract/domains/audit-explorer';
import { cents } from '../explorer/format';
import { openInExplorer } from '../explorer/link';
import { ChartCard } from './ChartCard';
import { dayLabel } from './chart-time';

type Outlier = ExplorerDashboard['costOutliers'][number];
const DAY = 86_400_000;
const nextDay = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + DAY).toISOString().slice(0, 10);
const open = (tenantId: string, kind: 'user' | 'team', name: string, day: string) =>
  openInExplorer(tenantId, {
    type: 'com.arx.cost.recorded',
    [kind]: name,
    timeFrom: `${day}T00:00:00Z`,
    timeTo: `${nextDay(day)}T00:00:00Z`,
  });

export function CostOutliers({ tenantId, data }: { tenantId: string; data: ExplorerDashboard }) {
  const dayNumber = (day: string) => Math.round(Date.parse(`${day}T00:00:00Z`) / DAY);
  const flagged = new Set(data.costOutliers.filter((o) => o.seriesKind === 'user').map((o) => `${o.series}/${o.day}`));
  const point = (u: ExplorerDashboard['userDays'][number]) => ({ day: dayNumber(u.day), dollars: u.costCents / 100 });
  const byPoint = new Map(data.userDays.map((u) => [`${dayNumber(u.day)}/${u.costCents / 100}`, u]));
  return (
    <ChartCard
      title="Cost outliers"
      lead="Each user’s (and team’s) daily cost against their own median day: a modified z-score above the threshold is flagged. Click a point to see that day’s costs."
    >
      <ScatterChart
        h={260}
        dataKey={{ x: 'day', y: 'dollars' }}
        labels={{ x: 'Day (UTC)', y: 'Cost ($)' }}
        xAxisProps={{ domain: ['dataMin', 'dataMax'], type: 'number' }}
        valueFormatter={{ x: (d) => dayLabel(new Date(d * DAY).toISOString()), y: (v) => `$${v.toFixed(2)}` }}
        data={[
          {
            name: 'User-days',
            color: 'blue.4',
            data: data.userDays.filter((u) => !flagged.has(`${u.user}/${u.day}`)).map(point),
          },
          {
            name: 'Outliers',
            color: 'red.7',
            data: data.userDays.filter((u) => flagged.has(`${u.user}/${u.day}`)).map(point),
          },
        ]}
        withLegend
        scatterProps={{
          cursor: 'pointer',
          onClick: (p: { payload?: { day?: number; dollars?: number } }) => {
            const u = p.payload ? byPoint.get(`${p.payload.day}/${p.payload.dollars}`) : undefined;
            if (u) open(tenantId, 'user', u.user, u.day);
          },
        }}
        aria-label="Scatter chart of daily cost per user"
      />
      {data.costOutliers.length === 0 ? (
        <Text size="sm">No outliers.</Text>
      ) : (
        <Table aria-label="Flagged cost outliers" striped>
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Who</Table.Th>
              <Table.Th>Day</Table.Th>
              <Table.Th>Cost</Table.Th>
              <Table.Th>Their median day</Table.Th>
              <Table.Th>Score</Table.Th>
              <Table.Th>Events</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {data.costOutliers.map((o: Outlier) => (
              <Table.Tr key={`${o.seriesKind}/${o.series}/${o.day}`}>
                <Table.Td>
                  {o.seriesKind} {o.series}
                </Table.Td>
                <Table.Td>{dayLabel(o.day)}</Table.Td>
                <Table.Td>{cents(o.costCents)}</Table.Td>
                <Table.Td>{cents(o.median)}</Table.Td>
                <Table.Td>{o.score >= 1e9 ? '∞' : o.score.toFixed(1)}</Table.Td>
                <Table.Td>
                  <Button
                    size="compact-xs"
                    variant="light"
                    onClick={() => open(tenantId, o.seriesKind, o.series, o.day)}
                    aria-label={`Open the costs of ${o.seriesKind} ${o.series} on ${o.day} in the explorer`}
                  >
                    Open
                  </Button>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      )}
    </ChartCard>
  );
}
