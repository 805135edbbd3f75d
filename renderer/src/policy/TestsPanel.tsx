import { ActionIcon, Badge, Button, Group, Stack, Table, Text, Title, Tooltip, VisuallyHidden } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { AddTestDialog } from './AddTestDialog';
import { READABLE_BADGE } from './readable';
export type PolicyTestRun = ResponseOf<'policy.test'>;

const STATUS_COLOR = { pass: 'green', fail: 'red', error: 'orange' } as const;

/** The parts of a Cedar test request a reader needs to recognise it. */
function describeRequest(t: PolicyTest): string {
  const ctx = t.request.context as Record<string, unknown>;
  const cls = (ctx['classification'] as { __entity?: { id?: string } } | undefined)?.__entity?.id;
  const parts = [`${t.request.principal.id} → ${t.request.resource.id}`];
  if (cls) parts.push(cls);
  if (typeof ctx['jurisdiction'] === 'string') parts.push(ctx['jurisdiction']);
  if (typeof ctx['estimatedCostCents'] === 'number') parts.push(`${ctx['estimatedCostCents']}¢`);
  if (typeof ctx['requestTime'] === 'string') parts.push(ctx['requestTime']);
  if (ctx['breakGlass']) parts.push('break-glass');
  return parts.join(' · ');
}

/**
 * The draft's tests and their latest run (the workspace runs them on every change). Results are
 * matched to tests by name, which the runner requires to be unique.
 */
export function TestsPanel({
  tests,
  run,
  running,
  policyIds,
  onChange,
}: {
  tests: PolicyTest[];
  run: PolicyTestRun | null;
  running: boolean;
  policyIds: string[];
  onChange: (tests: PolicyTest[]) => void;
}) {
  const [adding, setAdding] = useState(false);
  const byName = new Map(run?.results.map((r) => [r.name, r]) ?? []);
  const summary = run
    ? `${run.passed} passed, ${run.failed} failed, ${run.errored} with errors${run.evaluated ? '' : ' (not run: fix the validation errors)'}`
    : 'Not run yet';
  return (
    <section aria-labelledby="policy-tests-heading">
      <Group justify="space-between" mb="xs">
        <Title order={3} id="policy-tests-heading" size="h4">
          Tests
        </Title>
        <Group gap="xs">
          <Text size="sm" c="dimmed" role="status" aria-live="polite" data-testid="tests-summary">
            {running ? 'Running…' : summary}
          </Text>
          <Button size="xs" variant="light" onClick={() => setAdding(true)}>
            Add test
          </Button>
        </Group>
      </Group>
      {tests.length === 0 ? (
        <Text size="sm" c="dimmed">
          No tests yet. A version needs passing tests to be submitted.
        </Text>
      ) : (
        <Table withTableBorder verticalSpacing={4} aria-label="Policy tests">
          <Table.Thead>
            <Table.Tr>
              <Table.Th>Test</Table.Th>
              <Table.Th>Request</Table.Th>
              <Table.Th>Expected</Table.Th>
              <Table.Th>Result</Table.Th>
              <Table.Th>
                <VisuallyHidden>Actions</VisuallyHidden>
              </Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {tests.map((t, i) => (
              <TestRow
                key={`${t.name}-${i}`}
                test={t}
                result={byName.get(t.name)}
                onRemove={() => onChange(tests.filter((_, k) => k !== i))}
              />
            ))}
          </Table.Tbody>
        </Table>
      )}
      <AddTestDialog
        opened={adding}
        onClose={() => setAdding(false)}
        onAdd={(t) => onChange([...tests, t])}
        policyIds={policyIds}
        taken={new Set(tests.map((t) => t.name))}
      />
    </section>
  );
}

type TestResult = PolicyTestRun['results'][number];

function TestRow({ test: t, result: r, onRemove }: { test: PolicyTest; result?: TestResult; onRemove: () => void }) {
  return (
    <Table.Tr data-testid="policy-test-row">
      <Table.Td>{t.name}</Table.Td>
      <Table.Td>
        <Text size="xs" ff="monospace">
          {describeRequest(t)}
        </Text>
      </Table.Td>
      <Table.Td>
        <Text size="sm">
          {t.expect.decision}
          {t.expect.determiningPolicies?.length ? ` by ${t.expect.determiningPolicies.join(', ')}` : ''}
        </Text>
      </Table.Td>
      <Table.Td>
        {r ? (
          <Stack gap={2}>
            <Badge styles={READABLE_BADGE} color={STATUS_COLOR[r.status]} variant="light">
              {r.status}
            </Badge>
            {r.message && <Text size="xs">{r.message}</Text>}
            {r.decision && r.status !== 'pass' && (
              <Text size="xs" c="dimmed">
                got {r.decision}
                {r.determiningPolicies.length ? ` by ${r.determiningPolicies.join(', ')}` : ''}
              </Text>
            )}
          </Stack>
        ) : (
          <Text size="xs" c="dimmed">
            —
          </Text>
        )}
      </Table.Td>
      <Table.Td>
        <Tooltip label={`Remove test ${t.name}`}>
          <ActionIcon variant="subtle" color="red" aria-label={`Remove test ${t.name}`} onClick={onRemove}>
            ×
          </ActionIcon>
        </Tooltip>
      </Table.Td>
    </Table.Tr>
  );
}
