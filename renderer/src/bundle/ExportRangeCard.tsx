import { Alert, Card, Group, Loader, NumberInput, Stack, Title } from '@mantine/core';
import { useState } from 'react';
import { ErrorNotice } from '../app/ErrorNotice';
import { CheckpointCoverNote, coveredEnd, uncoveredReason, useDefaultEnd } from '../tenant/checkpoint-cover';
import { noEvidenceRole, useEvidenceTenant } from '../tenant/use-evidence-tenant';
import { ExportBundleButton, ExportedBundleView, type ExportedBundle } from './ExportBundle';

type Tenant = NonNullable<ReturnType<typeof useEvidenceTenant>['tenant']>;

/** Bundles → Export: a seq range of the current tenant, signed on the card. */
export function ExportRangeCard({ onExported }: { onExported: () => void }) {
  const { list: tenants, current, tenant } = useEvidenceTenant();
  return (
    <Card withBorder component="section" aria-labelledby="bundle-export-title">
      <Stack gap="sm">
        <Title order={2} id="bundle-export-title">
          Export a bundle
        </Title>
        {tenants.state === 'loading' && <Loader size="sm" aria-label="Loading tenants" />}
        {tenants.state === 'error' && <ErrorNotice error={tenants.error} title="No tenants" />}
        {tenants.state === 'ok' && !tenant && (
          <Alert color="gray">{noEvidenceRole(current, 'there is no chain here for you to export')}</Alert>
        )}
        {/* Keyed: a new tenant starts from its own covered range. */}
        {tenant && <RangeForm key={tenant.id} tenant={tenant} onExported={onExported} />}
      </Stack>
    </Card>
  );
}

/**
 * The range, ending by default at the newest signed checkpoint: a bundle proves its last event
 * under a checkpoint, so a range beyond it is refused here, before the PIN, with the reason.
 */
function RangeForm({ tenant, onExported }: { tenant: Tenant; onExported: () => void }) {
  const [from, setFrom] = useState<number>(0);
  const [to, setTo] = useDefaultEnd<number>(coveredEnd(tenant) ?? 0);
  const [exported, setExported] = useState<ExportedBundle | null>(null);
  const rangeOk = Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to >= from;
  const uncovered = rangeOk ? uncoveredReason(tenant, to) : null;
  return (
    <>
      <Group align="flex-end">
        <NumberInput
          label="From seq"
          min={0}
          value={from}
          onChange={(v) => setFrom(typeof v === 'number' ? v : Number(v))}
          w={140}
          allowDecimal={false}
          thousandSeparator=","
        />
        <NumberInput
          label="To seq"
          min={0}
          value={to}
          onChange={(v) => setTo(typeof v === 'number' ? v : Number(v))}
          w={140}
          allowDecimal={false}
          thousandSeparator=","
        />
        <ExportBundleButton
          tenant={tenant}
          target={{ kind: 'range', from, to }}
          label="Export and sign…"
          variant="filled"
          disabled={!rangeOk || uncovered !== null}
          result="none"
          onExported={(e) => {
            setExported(e);
            onExported();
          }}
        />
      </Group>
      <CheckpointCoverNote chain={tenant} />
      {uncovered && (
        <Alert color="yellow" variant="light" role="status" data-testid="export-range-uncovered">
          {uncovered}
        </Alert>
      )}
      {exported && <ExportedBundleView exported={exported} />}
    </>
  );
}
