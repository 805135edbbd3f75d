import {
  ActionIcon,
  Badge,
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
  VisuallyHidden,
} from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { DEMO_DIRECTORY } from '../../../shared/policy/demo-directory';
import { testFromGatewayRequest } from '../../../shared/policy/policy-tests';
import { DATA_CLASSIFICATIONS } from '../../../shared/events/types';
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

interface TestForm {
  name: string;
  user: string;
  team: string;
  model: string;
  classification: string;
  jurisdiction: string;
  cost: number;
  tokens: number;
  time: string;
  justification: string;
  decision: 'permit' | 'deny';
  determining: string[];
}

const users = Object.keys(DEMO_DIRECTORY.users);
const models = Object.keys(DEMO_DIRECTORY.models);

function emptyForm(): TestForm {
  return {
    name: '',
    user: users[0]!,
    team: DEMO_DIRECTORY.users[users[0]!]!.teams[0]!,
    model: models[0]!,
    classification: 'internal',
    jurisdiction: 'US',
    cost: 50,
    tokens: 1000,
    time: '2025-03-04T14:15:00Z',
    justification: '',
    decision: 'permit',
    determining: [],
  };
}

function AddTestDialog({
  opened,
  onClose,
  onAdd,
  policyIds,
  taken,
}: {
  opened: boolean;
  onClose: () => void;
  onAdd: (t: PolicyTest) => void;
  policyIds: string[];
  taken: Set<string>;
}) {
  const [f, setF] = useState<TestForm>(emptyForm);
  const [error, setError] = useState<string | null>(null);
  const set = <K extends keyof TestForm>(k: K, v: TestForm[K]) => setF((p) => ({ ...p, [k]: v }));
  const teams = [...(DEMO_DIRECTORY.users[f.user]?.teams ?? [])];

  const add = () => {
    const name = f.name.trim();
    if (!name) return setError('Give the test a name.');
    if (taken.has(name)) return setError(`A test is already named “${name}”.`);
    const [provider, ...rest] = f.model.split('/');
    const made = testFromGatewayRequest(
      name,
      {
        user: f.user,
        team: f.team,
        provider: provider as never,
        model: rest.join('/'),
        classification: f.classification as never,
        jurisdiction: f.jurisdiction,
        purpose: 'policy-test',
        promptTokens: f.tokens,
        estimatedCostCents: f.cost,
        time: f.time,
        utcOffsetMinutes: -300,
        ...(f.justification.trim() ? { breakGlass: { justification: f.justification } } : {}),
      },
      DEMO_DIRECTORY,
      { decision: f.decision, ...(f.determining.length ? { determiningPolicies: f.determining } : {}) },
    );
    if (!made.ok) return setError(made.error.message);
    onAdd(made.value as PolicyTest);
    setF(emptyForm());
    setError(null);
    onClose();
  };

  return (
    <Modal opened={opened} onClose={onClose} title="Add a policy test" size="lg">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          add();
        }}
      >
        <Stack gap="xs">
          <TextInput
            label="Test name"
            data-autofocus
            value={f.name}
            onChange={(e) => set('name', e.currentTarget.value)}
            required
          />
          <Group grow>
            <Select
              label="User"
              data={users}
              value={f.user}
              allowDeselect={false}
              onChange={(v) => v && setF((p) => ({ ...p, user: v, team: DEMO_DIRECTORY.users[v]!.teams[0]! }))}
            />
            <Select
              label="Billing team"
              data={teams}
              value={f.team}
              allowDeselect={false}
              onChange={(v) => v && set('team', v)}
            />
          </Group>
          <Group grow>
            <Select
              label="Model"
              data={models}
              value={f.model}
              allowDeselect={false}
              onChange={(v) => v && set('model', v)}
            />
            <Select
              label="Classification"
              data={[...DATA_CLASSIFICATIONS]}
              value={f.classification}
              allowDeselect={false}
              onChange={(v) => v && set('classification', v)}
            />
          </Group>
          <Group grow>
            <TextInput
              label="Jurisdiction"
              description="ISO 3166-1 alpha-2"
              value={f.jurisdiction}
              onChange={(e) => set('jurisdiction', e.currentTarget.value.toUpperCase())}
            />
            <NumberInput
              label="Estimated cost (cents)"
              min={0}
              value={f.cost}
              onChange={(v) => set('cost', Number(v) || 0)}
            />
            <NumberInput
              label="Prompt tokens"
              min={0}
              value={f.tokens}
              onChange={(v) => set('tokens', Number(v) || 0)}
            />
          </Group>
          <TextInput
            label="Request time (UTC)"
            description="RFC 3339; the enclave is at UTC-05:00"
            value={f.time}
            onChange={(e) => set('time', e.currentTarget.value)}
          />
          <TextInput
            label="Break-glass justification"
            description="Leave empty for a normal request"
            value={f.justification}
            onChange={(e) => set('justification', e.currentTarget.value)}
          />
          <Stack gap={4}>
            <Text size="sm" fw={500} id="expected-decision-label">
              Expected decision
            </Text>
            <SegmentedControl
              aria-labelledby="expected-decision-label"
              value={f.decision}
              onChange={(v) => set('decision', v as TestForm['decision'])}
              data={[
                { value: 'permit', label: 'Permit' },
                { value: 'deny', label: 'Deny' },
              ]}
            />
          </Stack>
          <MultiSelect
            label="Expected determining policies"
            description="Optional: exactly these policies must decide"
            data={policyIds}
            value={f.determining}
            onChange={(v) => set('determining', v)}
            searchable
          />
          {error && (
            <Text c="red" size="sm" role="alert">
              {error}
            </Text>
          )}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>
              Cancel
            </Button>
            <Button type="submit">Add test</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
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
            {tests.map((t, i) => {
              const r = byName.get(t.name);
              return (
                <Table.Tr key={`${t.name}-${i}`} data-testid="policy-test-row">
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
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`Remove test ${t.name}`}
                      onClick={() => onChange(tests.filter((_, k) => k !== i))}
                    >
                      ×
                    </ActionIcon>
                  </Table.Td>
                </Table.Tr>
              );
            })}
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
