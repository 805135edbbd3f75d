import { BarChart } from '@mantine/charts';
import { Button, Group, Text } from '@mantine/core';
import type { ExplorerDashboard } from '../../../../shared/contract/domains/audit-explorer';
import { cents } from '../explorer/format';
import { openInExplorer } from '../explorer/link';
import { ChartCard } from './ChartCard';

const COLORS = ['blue.6', 'teal.6', 'grape.6', 'orange.6', 'cyan.6', 'lime.6', 'pink.6'];
const open = (tenantId: string, team: string, provider: string) =>
  openInExplorer(tenantId, { type: 'com.arx.cost.recorded', team, provider });

export function CostByTeamChart({ tenantId, data }: { tenantId: string; data: ExplorerDashboard }) {
  const providers = [...new Set(data.costByTeamProvider.map((c) => c.provider))].sort();
  const teams = [...new Set(data.costByTeamProvider.map((c) => c.team))].sort();
  const rows = teams.map((team) => ({
    team,
    ...Object.fromEntries(
      providers.map((p) => [
        p,
        (data.costByTeamProvider.find((c) => c.team === team && c.provider === p)?.costCents ?? 0) / 100,
      ]),
    ),
  }));
  return (
    <ChartCard
      title="Cost by team and provider"
      lead="Recorded cost (cost.recorded events), in dollars. Click a segment to see its events."
    >
      <BarChart
        h={260}
        data={rows}
        dataKey="team"
        type="stacked"
        withLegend
        valueFormatter={(v) => `$${v.toFixed(2)}`}
        series={providers.map((p, i) => ({ name: p, color: COLORS[i % COLORS.length]! }))}
        barProps={(series) => ({
          cursor: 'pointer',
          onClick: (entry: { payload?: { team?: string } }) =>
            entry.payload?.team && open(tenantId, entry.payload.team, series.name),
        })}
        aria-label="Stacked bar chart of cost by team and provider"
      />
      <details>
        <summary>Cost per team and provider ({data.costByTeamProvider.length})</summary>
        <Group gap={6} wrap="wrap" mt="xs">
          {data.costByTeamProvider.map((c) => (
            <Button
              key={`${c.team}/${c.provider}`}
              size="compact-xs"
              variant="default"
              onClick={() => open(tenantId, c.team, c.provider)}
            >
              {c.team} · {c.provider}: {cents(c.costCents)}
            </Button>
          ))}
        </Group>
      </details>
      {data.costByTeamProvider.length === 0 ? <Text size="sm">No recorded cost in this range.</Text> : null}
    </ChartCard>
  );
}
