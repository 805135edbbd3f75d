import { Alert, Button, Group, List, Text } from '@mantine/core';
import { useState } from 'react';
import type { WitnessStatus } from '../../../shared/contract/domains/witness';
import { callArx } from '../app/arx-client';

const WHAT: Record<string, string> = {
  WITNESS_FORK_DETECTED: 'signed a second checkpoint of a size this console cosigned, with another root (a fork)',
  WITNESS_ROLLBACK_REFUSED: 'went back behind a checkpoint this console cosigned (a rollback or a restore)',
  WITNESS_PROOF_INVALID: 'signed a checkpoint that does not extend the one this console cosigned',
  WITNESS_EMPTY_TREE_ROOT: 'signed an empty checkpoint with a non-empty root',
  WITNESS_STATE_ROLLED_BACK: "presented this console's own cosignature on a tree its record does not have",
};

/**
 * A tenant's log showed this console, as its witness, a history that contradicts what it cosigned.
 * Shown until acknowledged; the status bar keeps the alarm until the fork is resolved.
 */
export function WitnessAlarmBanner({ witnessing }: { witnessing: WitnessStatus | null }) {
  const [busy, setBusy] = useState(false);
  const open = witnessing?.alarms.filter((a) => !a.acknowledged) ?? [];
  if (open.length === 0) return null;
  const acknowledge = async () => {
    setBusy(true);
    await callArx((arx) => arx.witnessing.acknowledge({}));
    setBusy(false);
  };
  return (
    <Alert color="red" variant="filled" role="alert" aria-label="Witness alarm" data-testid="witness-alarm" mb="md">
      <Group justify="space-between" wrap="nowrap" align="flex-start">
        <div>
          <Text size="sm" fw={700}>
            Witness alarm: the audit log of {open.length === 1 ? 'a tenant' : `${open.length} tenants`} forked.
          </Text>
          <List size="sm" mt={4}>
            {open.map((a) => (
              <List.Item key={`${a.tenantId}-${a.code}`}>
                Tenant {a.tenant}: the gateway {WHAT[a.code] ?? a.code} — cosigned size {a.cosignedSize}
                {a.treeSize !== null ? `, offered size ${a.treeSize}` : ''} ({a.code}).{' '}
                {a.recorded
                  ? 'Recorded in the chain as com.arx.witness.forkdetected.'
                  : 'Not yet recorded in the chain; retried on the next pass.'}{' '}
                This console no longer cosigns this tenant.
              </List.Item>
            ))}
          </List>
        </div>
        <Button size="xs" color="dark" variant="white" loading={busy} onClick={() => void acknowledge()}>
          Acknowledge
        </Button>
      </Group>
    </Alert>
  );
}
