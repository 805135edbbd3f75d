import { BarChart } from '@mantine/charts';
import { Button, Group, Text } from '@mantine/core';
import type { ExplorerDashboard } from '../../../../shared/contract/domains/audit-explorer';
import { openInExplorer } from '../explorer/link';
import { ChartCard } from './ChartCard';
import { dayLabel, hourLabel } from './chart-time';

type Bucket = ExplorerDashboard['eventsOverTime'][number];
const label = (b: Bucket, unit: 'hour' | 'day') => (unit === 'day' ? dayLabel(b.start) : hourLabel(b.start));
/** The explorer's range for a bucket: its start, inclusive, to its end, exclusive. */
const open = (tenantId: string, b: Bucket) => openInExplorer(tenantId, { timeFrom: b.start, timeTo: b.end });

export function EventsOverTimeChart({ tenantId, data }: { tenantId: string; data: ExplorerDashboard }) {
  const rows = data.eventsOverTime.map((b) => ({
    bucket: label(b, data.bucket),
    events: b.outlier ? 0 : b.count,
    outlier: b.outlier ? b.count : 0,
    raw: b,
  }));
  const outliers = data.eventsOverTime.filter((b) => b.outlier);
  return (
    <ChartCard
      title="Events over time"
      lead={`Events per ${data.bucket} (UTC); busy buckets far above the median busy bucket (MAD) are marked as outliers. Click a bar to see its events.`}
    >
      <BarChart
        h={240}
        data={rows}
        dataKey="bucket"
        type="stacked"
        series={[
          { name: 'events', color: 'blue.6', label: 'Events' },
          { name: 'outlier', color: 'red.6', label: 'Outlier bucket' },
        ]}
        withLegend
        barProps={{
          cursor: 'pointer',
          onClick: (entry: { payload?: { raw?: Bucket } }) => entry.payload?.raw && open(tenantId, entry.payload.raw),
        }}
        aria-label="Bar chart of events over time"
      />
      <Group gap="xs" wrap="wrap" aria-label="Open a bucket in the explorer" role="group">
        <Text size="sm">{outliers.length === 0 ? 'No outlier buckets.' : 'Outlier buckets:'}</Text>
        {outliers.map((b) => (
          <Button key={b.start} size="compact-sm" color="red" variant="light" onClick={() => open(tenantId, b)}>
            {label(b, data.bucket)}: {b.count.toLocaleString('en-US')} events
          </Button>
        ))}
      </Group>
      <details>
        <summary>All {data.eventsOverTime.length} buckets</summary>
        <Group gap={6} wrap="wrap" mt="xs">
          {data.eventsOverTime.map((b) => (
            <Button key={b.start} size="compact-xs" variant="default" onClick={() => open(tenantId, b)}>
              {label(b, data.bucket)}: {b.count.toLocaleString('en-US')}
            </Button>
          ))}
        </Group>
      </details>
    </ChartCard>
  );
}
