import { Alert, Card, Group, Loader, NumberInput, Stack, Text, Title } from '@mantine/core';
import { useState } from 'react';
import { ErrorNotice } from '../app/ErrorNotice';
import { noEvidenceRole, useEvidenceTenant } from '../tenant/use-evidence-tenant';
import { ExportBundleButton, ExportedBundleView, type ExportedBundle } from './ExportBundle';

/** Bundles → Export: a seq range of the current tenant, signed on the card. */
export function ExportRangeCard({ onExported }: { onExported: () => void }) {
  const { list: tenants, current, tenant } = useEvidenceTenant();
  const [from, setFrom] = useState<number>(0);
  const [to, setTo] = useState<number>(99);
  const [exported, setExported] = useState<ExportedBundle | null>(null);
  const rangeOk = Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to >= from;
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
        {tenant && (
          <Group align="flex-end">
            <NumberInput
              label="From seq"
              min={0}
              value={from}
              onChange={(v) => setFrom(typeof v === 'number' ? v : Number(v))}
              w={140}
              allowDecimal={false}
            />
            <NumberInput
              label="To seq"
              min={0}
              value={to}
              onChange={(v) => setTo(typeof v === 'number' ? v : Number(v))}
              w={140}
              allowDecimal={false}
            />
            <ExportBundleButton
              tenant={tenant}
              target={{ kind: 'range', from, to }}
              label="Export and sign…"
              variant="filled"
              disabled={!rangeOk}
              result="none"
              onExported={(e) => {
                setExported(e);
                onExported();
              }}
            />
          </Group>
        )}
        {tenant && (
          <Text size="xs" c="dimmed">
            {tenant.events.toLocaleString('en-US')} events in this tenant. The range must be covered by a signed
            checkpoint.
          </Text>
        )}
        {exported && <ExportedBundleView exported={exported} />}
      </Stack>
    </Card>
  );
}
