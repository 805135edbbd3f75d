import { Text, UnstyledButton } from '@mantine/core';
import type { ExplorerDashboard } from '../../../../shared/contract/domains/audit-explorer';
import { openInExplorer } from '../explorer/link';
import { ChartCard } from './ChartCard';
import classes from './dashboard.module.css';

type Denial = ExplorerDashboard['denialsByReason'][number];
const open = (tenantId: string, d: Denial) =>
  openInExplorer(tenantId, { type: 'com.arx.policy.decided', decision: 'deny', reason: d.reason });

/**
 * Denials by reason as a bar list: each reason's label in full (wrapping, never overlapping), a
 * bar scaled to the largest, the count; each row is a button that opens those denials.
 */
export function DenialsChart({ tenantId, data }: { tenantId: string; data: ExplorerDashboard }) {
  const max = Math.max(1, ...data.denialsByReason.map((d) => d.count));
  return (
    <ChartCard title="Denials by reason" lead="Denied requests grouped by the policies that determined the denial.">
      {data.denialsByReason.length === 0 ? <Text size="sm">No denials in this range.</Text> : null}
      <div role="group" aria-label="Open denials in the explorer" className={classes.barList}>
        {data.denialsByReason.map((d) => {
          const count = d.count.toLocaleString('en-US');
          return (
            <UnstyledButton
              key={d.reason}
              className={classes.barRow}
              onClick={() => open(tenantId, d)}
              aria-label={`${d.label}: ${count} denial${d.count === 1 ? '' : 's'}`}
              title={`${d.label}: ${count} — open them in the explorer`}
            >
              <span className={classes.barLabel}>{d.label}</span>
              <span className={classes.barTrack} aria-hidden>
                <span className={classes.bar} style={{ width: `${(100 * d.count) / max}%` }} />
              </span>
              <span className={classes.barCount}>{count}</span>
            </UnstyledButton>
          );
        })}
      </div>
    </ChartCard>
  );
}
