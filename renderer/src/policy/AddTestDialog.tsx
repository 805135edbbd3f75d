import {
  Button,
  Group,
  Modal,
  MultiSelect,
  NumberInput,
  SegmentedControl,
  Select,
  Stack,
  Text,
  TextInput,
} from '@mantine/core';
import { useState } from 'react';
import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { DATA_CLASSIFICATIONS } from '../../../shared/events/types';
import { directoryModels, directoryUsers, emptyForm, teamsOf, testFromForm, type TestForm } from './test-form';

type SetField = <K extends keyof TestForm>(k: K, v: TestForm[K]) => void;

/** A form for one gateway request and the decision the policy is expected to make on it. */
export function AddTestDialog({
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
  const set: SetField = (k, v) => setF((p) => ({ ...p, [k]: v }));

  const add = () => {
    const made = testFromForm(f, taken);
    if (!made.ok) return setError(made.message);
    onAdd(made.test);
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
          <WhoAndWhat f={f} set={set} onUser={(v) => setF((p) => ({ ...p, user: v, team: teamsOf(v)[0]! }))} />
          <RequestDetails f={f} set={set} />
          <Expectation f={f} set={set} policyIds={policyIds} />
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

function WhoAndWhat({ f, set, onUser }: { f: TestForm; set: SetField; onUser: (user: string) => void }) {
  return (
    <>
      <Group grow>
        <Select
          label="User"
          data={directoryUsers}
          value={f.user}
          allowDeselect={false}
          onChange={(v) => v && onUser(v)}
        />
        <Select
          label="Billing team"
          data={teamsOf(f.user)}
          value={f.team}
          allowDeselect={false}
          onChange={(v) => v && set('team', v)}
        />
      </Group>
      <Group grow>
        <Select
          label="Model"
          data={directoryModels}
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
    </>
  );
}

function RequestDetails({ f, set }: { f: TestForm; set: SetField }) {
  return (
    <>
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
        <NumberInput label="Prompt tokens" min={0} value={f.tokens} onChange={(v) => set('tokens', Number(v) || 0)} />
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
    </>
  );
}

function Expectation({ f, set, policyIds }: { f: TestForm; set: SetField; policyIds: string[] }) {
  return (
    <>
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
    </>
  );
}
