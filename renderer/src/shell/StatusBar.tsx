import { Group, Text } from '@mantine/core';
import type { OperatorSession, Status } from '../../../shared/contract';
import type { Loadable } from '../app/use-arx-result';
import { rolesByTenant } from '../login/OperatorActions';
import { useOperatorSession } from '../login/use-operator-session';
import classes from './shell.module.css';

type Tone = 'ok' | 'pending' | 'off' | 'bad';

const CONTROL_PLANE: Record<Status['controlPlane']['state'], { label: string; tone: Tone }> = {
  'not-connected': { label: 'Not connected', tone: 'off' },
  starting: { label: 'Connecting', tone: 'pending' },
  connected: { label: 'Connected', tone: 'ok' },
  unreachable: { label: 'Unreachable (offline)', tone: 'bad' },
};

const CARD: Record<Status['card']['state'], { label: string; tone: Tone }> = {
  'not-connected': { label: 'Not connected', tone: 'off' },
  'no-reader': { label: 'No reader', tone: 'off' },
  'no-card': { label: 'No card', tone: 'off' },
  'card-present': { label: 'Card present', tone: 'pending' },
  'logged-in': { label: 'Logged in', tone: 'ok' },
  locked: { label: 'Locked', tone: 'bad' },
};

const MODE: Record<Status['controlPlane']['mode'], string> = {
  none: 'none',
  embedded: 'embedded',
  external: 'on-prem',
};

/** Names and states never wrap: the details give way (truncated, full text in the title). */
const NOWRAP = { whiteSpace: 'nowrap', flex: 'none' } as const;

function Indicator({
  name,
  label,
  tone,
  detail,
  wide,
}: {
  name: string;
  label: string;
  tone: Tone;
  detail: string;
  wide?: boolean;
}) {
  return (
    <Group gap={6} wrap="nowrap" className={classes.statusItem} role="group" aria-label={name}>
      <span className={classes.dot} data-tone={tone} aria-hidden="true" />
      {/* The spaces keep the words apart for screen readers and copy-paste; flex layout ignores them. */}
      <Text span size="xs" fw={600} style={NOWRAP}>
        {name}:
      </Text>{' '}
      <Text span size="xs" fw={700} data-role="state" style={NOWRAP}>
        {label}
      </Text>{' '}
      <Text
        span
        size="xs"
        c="dimmed"
        truncate="end"
        className={classes.statusDetail}
        style={wide ? { maxWidth: 720 } : undefined}
        title={detail}
      >
        ({detail})
      </Text>
    </Group>
  );
}

/** Who is logged in, with which card, and the roles per tenant; main's detail otherwise. */
function cardDetail(status: Status, session: OperatorSession | null): string {
  if (!session || session.locked || status.card.state !== 'logged-in') return status.card.detail;
  return `${session.displayName} (EDIPI ${session.edipi}) with card ${session.tokenLabel} · ${rolesByTenant(session.roles) || 'no roles'}`;
}

/**
 * What the console is connected to, stated plainly. "Not connected" is shown as such, with the
 * reason main gave; nothing here is inferred or optimistic.
 */
export function StatusBar({ status, version }: { status: Loadable<Status>; version: string }) {
  const [session] = useOperatorSession();
  const operator = session.state === 'ok' ? session.value : null;
  return (
    <div className={classes.statusBar} role="status" aria-label="Connection status" aria-live="polite">
      <Group gap="lg" wrap="nowrap" className={classes.statusItems}>
        {status.state === 'loading' && (
          <Text span size="xs">
            Reading connection status…
          </Text>
        )}
        {status.state === 'error' && (
          <Text span size="xs" fw={600} className={classes.statusError}>
            Status unavailable: {status.error.code} — {status.error.message}
          </Text>
        )}
        {status.state === 'ok' && (
          <>
            <Indicator
              name="Control plane"
              label={CONTROL_PLANE[status.value.controlPlane.state].label}
              tone={CONTROL_PLANE[status.value.controlPlane.state].tone}
              detail={`${status.value.controlPlane.detail}; mode: ${MODE[status.value.controlPlane.mode]}`}
            />
            <Indicator
              name="Card"
              label={CARD[status.value.card.state].label}
              tone={CARD[status.value.card.state].tone}
              detail={cardDetail(status.value, operator)}
              wide
            />
            {status.value.window && !status.value.window.sandbox && (
              <Indicator name="Window" label="No sandbox" tone="bad" detail={status.value.window.detail} />
            )}
          </>
        )}
      </Group>
      <Text span size="xs" c="dimmed" className={classes.statusVersion}>
        ARX Console {version}
      </Text>
    </div>
  );
}
