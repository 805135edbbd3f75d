import { BarChart } from '@mantine/charts';
import { Button, Group } from '@mantine/core';
import type { ExplorerDashboard } from '../../../../shared/contract/domains/audit-explorer';
import { openInExplorer } from '../explorer/link';
import { ChartCard } from './ChartCard';

type Denial = ExplorerDashboard['denialsByReason'][number];
const open = (tenantId: string, d: Denial) =>
  openInExplorer(tenantId, { type: 'com.arx.policy.decided', decision: 'deny', reason: d.reason });

export function DenialsChart({ tenantId, data }: { tenantId: string; data: ExplorerDashboard }) {
  const rows = data.denialsByReason.map((d) => ({ reason: d.label, denials: d.count, raw: d }));
  return (
    <ChartCard title="Denials by reason" lead="Denied requests grouped by the policies that determined the denial.">
      {rows.length === 0 ? null : (
        <BarChart
          h={Math.max(120, rows.length * 34)}
          data={rows}
          dataKey="reason"
          orientation="vertical"
          yAxisProps={{ width: 300 }}
          series={[{ name: 'denials', color: 'red.6', label: 'Denials' }]}
          barProps={{
            cursor: 'pointer',
            onClick: (entry: { payload?: { raw?: Denial } }) => entry.payload?.raw && open(tenantId, entry.payload.raw),
          }}
          aria-label="Bar chart of denials by reason"
        />
      )}
      <Group gap="xs" wrap="wrap" role="group" aria-label="Open denials in the explorer">
        {data.denialsByReason.length === 0 ? 'No denials in this range.' : null}
        {data.denialsByReason.map((d) => (
          <Button key={d.reason} size="compact-sm" variant="light" color="red" onClick={() => open(tenantId, d)}>
            {d.label}: {d.count.toLocaleString('en-US')}
          </Button>
        ))}
      </Group>
    </ChartCard>
  );
}
