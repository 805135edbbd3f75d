import { Alert, Badge, Button, Code, Group, Stack, Table, Text } from '@mantine/core';
import type { CacheStatus } from '../../../shared/contract/domains/cache';
import { callArx } from '../app/arx-client';
import { plural } from '../app/format';
import type { RunCacheAction } from './use-cache-panel';

const STATE: Record<CacheStatus['state'], { label: string; color: string }> = {
  absent: { label: 'Not created yet', color: 'gray' },
  locked: { label: 'Locked', color: 'gray' },
  unlocked: { label: 'Open', color: 'green' },
  damaged: { label: 'Damaged', color: 'red' },
};

const mb = (n: number) => `${(n / (1024 * 1024)).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

type Props = { status: CacheStatus; busy: string | null; run: RunCacheAction; onWipe: () => void };

/** The cache's state, a failed check with its rebuild, its details and the maintenance buttons. */
export function CacheStatusView({ status, busy, run, onWipe }: Props) {
  return (
    <>
      <Group gap="sm">
        <Text size="sm" fw={600}>
          State:
        </Text>
        <Badge color={STATE[status.state].color} variant="light" data-testid="cache-state">
          {STATE[status.state].label}
        </Badge>
        {status.unlockedBy && (
          <Text size="sm" c="dimmed">
            opened with the {status.unlockedBy}
          </Text>
        )}
      </Group>
      {status.problem && <CacheProblem problem={status.problem} busy={busy} run={run} />}
      <CacheDetails status={status} />
      <CacheActions status={status} busy={busy} run={run} onWipe={onWipe} />
    </>
  );
}

function CacheProblem({
  problem,
  busy,
  run,
}: {
  problem: NonNullable<CacheStatus['problem']>;
  busy: string | null;
  run: RunCacheAction;
}) {
  return (
    <Alert
      color="red"
      variant="outline"
      role="alert"
      title="The cache file failed a check"
      data-error-code={problem.code}
    >
      <Stack gap="xs">
        <Text size="sm">
          <Code fw={700}>{problem.code}</Code> {problem.message}
        </Text>
        <Text size="sm">
          Rebuilding makes a new cache (filled again from the control plane) and keeps every readable unsent outbox
          item. The old file is kept aside.
        </Text>
        <Group>
          <Button
            color="red"
            loading={busy === 'rebuild'}
            onClick={() =>
              void run(
                'rebuild',
                () => callArx((arx) => arx.cache.rebuild({})),
                (v) =>
                  `Rebuilt: ${plural(v.outboxKept, 'outbox item')} kept, ${v.outboxUnreadable} unreadable. Old file: ${v.quarantinedFile}`,
              )
            }
          >
            Rebuild the cache
          </Button>
        </Group>
      </Stack>
    </Alert>
  );
}

function detailRows(status: CacheStatus): [string, string][] {
  const open = status.state === 'unlocked' || status.state === 'damaged';
  const rotation = status.rotation ? ` (rotating to ${status.rotation.to}: ${status.rotation.remaining} left)` : '';
  const wrappedTo = status.recipients.length
    ? status.recipients
        .map((r) => `${r.role === 'card' ? 'card' : 'recovery'} ${r.kind.toUpperCase()} — ${r.label}`)
        .join('; ')
    : open
      ? '—'
      : 'shown when open';
  return [
    ['File', status.file],
    ['Size on disk', mb(status.fileBytes)],
    ['Cached records', String(status.records)],
    [
      'Re-fetchable data',
      `${mb(status.refetchableBytes)} of ${mb(status.limitBytes)} (least recently used evicted first; never the outbox or drafts)`,
    ],
    ['Key generation', status.generation ? String(status.generation) + rotation : '—'],
    ['Key wrapped to', wrappedTo],
    ['Recovery key', status.recoveryConfigured ? 'configured' : 'not configured (cache.recoveryPublicKey)'],
  ];
}

function CacheDetails({ status }: { status: CacheStatus }) {
  return (
    <Table withTableBorder withRowBorders aria-label="Cache details" verticalSpacing={6}>
      <Table.Tbody>
        {detailRows(status).map(([k, v]) => (
          <Table.Tr key={k}>
            <Table.Th scope="row">{k}</Table.Th>
            <Table.Td>{v}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function CacheActions({ status, busy, run, onWipe }: Props) {
  const open = status.state === 'unlocked' || status.state === 'damaged';
  return (
    <Group gap="sm">
      {!open && (
        <Button
          loading={busy === 'unlock'}
          onClick={() => void run('unlock', () => callArx((arx) => arx.cache.unlock({})))}
        >
          Open with my card
        </Button>
      )}
      {open && (
        <Button
          variant="default"
          loading={busy === 'lock'}
          onClick={() => void run('lock', () => callArx((arx) => arx.cache.lock({})))}
        >
          Lock the cache
        </Button>
      )}
      {status.state === 'unlocked' && (
        <Button
          variant="default"
          loading={busy === 'rotate'}
          onClick={() =>
            void run(
              'rotate',
              () => callArx((arx) => arx.cache.rotate({ batchSize: 500 })),
              () => 'The data key was rotated.',
            )
          }
        >
          {status.rotation ? 'Resume key rotation' : 'Rotate the data key'}
        </Button>
      )}
      {open && (
        <Button
          variant="default"
          loading={busy === 'deliver'}
          onClick={() =>
            void run(
              'deliver',
              () => callArx((arx) => arx.cache.outboxDeliver({})),
              (v) => `Delivered ${v.delivered}, rejected ${v.rejected}, still pending ${v.pending}.`,
            )
          }
        >
          Deliver the outbox now
        </Button>
      )}
      {status.state !== 'absent' && (
        <Button color="red" variant="outline" onClick={onWipe}>
          Wipe the cache…
        </Button>
      )}
    </Group>
  );
}
