import {
  Alert,
  Button,
  Card,
  Checkbox,
  Group,
  Loader,
  NumberInput,
  Stack,
  Table,
  Text,
  TextInput,
  Title,
} from '@mantine/core';
import { exactBytes, humanSize } from '../app/format';
import { useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { useArxResult } from '../app/use-arx-result';
import { BundleReportView, type BundleContents, type BundleReport } from '../bundle/BundleReportView';
import { ExportBundleButton, ExportedBundleView, type ExportedBundle } from '../bundle/ExportBundle';
import { SectionHeader } from './SectionHeader';
import { noEvidenceRole, useEvidenceTenant } from '../tenant/use-evidence-tenant';

interface Listed {
  name: string;
  path: string;
  bytes: number;
  modifiedAt: string;
}

/** Evidence bundles: export a signed bundle of a range; open one and verify it offline, then read it. */
export function BundlesSection() {
  const { list: tenants, current, tenant } = useEvidenceTenant();
  const [from, setFrom] = useState<number>(0);
  const [to, setTo] = useState<number>(99);
  const [listVersion, setListVersion] = useState(0);
  const [exported, setExported] = useState<ExportedBundle | null>(null);
  const [path, setPath] = useState('');
  const [trustDir, setTrustDir] = useState('');
  const [allowUnpinned, setAllowUnpinned] = useState(false);
  const [opening, setOpening] = useState(false);
  const [opened, setOpened] = useState<{ path: string; report: BundleReport; contents: BundleContents | null } | null>(
    null,
  );
  const [openError, setOpenError] = useState<ArxError | null>(null);

  const open = async (p: string) => {
    setOpening(true);
    setOpenError(null);
    setOpened(null);
    const r = await callArx((arx) =>
      arx.bundle.open({
        path: p,
        maxEvents: 500,
        trust: trustDir.trim() || null,
        allowUnpinnedGatewayKeys: allowUnpinned,
      }),
    );
    setOpening(false);
    if (r.ok) setOpened(r.value);
    else setOpenError(r.error);
  };

  const rangeOk = Number.isInteger(from) && Number.isInteger(to) && from >= 0 && to >= from;
  return (
    <Stack gap="lg">
      <SectionHeader
        title="Bundles"
        lead="Evidence bundles: one signed file that lets an offline auditor verify events, proofs, checkpoints, policies and certificates with no network, no database and no card — against their own trust anchors."
      />
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
                  setListVersion((n) => n + 1);
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
      <Card withBorder component="section" aria-labelledby="bundle-open-title">
        <Stack gap="sm">
          <Title order={2} id="bundle-open-title">
            Open bundle
          </Title>
          <Text size="sm" c="dimmed">
            Verification runs offline, against your trust directory — never anchors or gateway keys from the bundle. Its
            layout is that of <code>arx bundle verify --trust DIR</code>: <code>anchors/</code>, optional{' '}
            <code>intermediates/</code>, <code>crls/</code>, <code>policy-arcs.txt</code>, and{' '}
            <code>gateway-keys.txt</code> with the gateway keys you pin. Without pinned gateway keys a bundle does not
            verify (<code>GATEWAY_KEYS_UNPINNED</code>).
          </Text>
          <Group align="flex-end">
            <TextInput
              label="Trust directory"
              description="Empty: this console's configured trust anchors (and gateway-keys.txt there)"
              value={trustDir}
              onChange={(e) => setTrustDir(e.currentTarget.value)}
              w={520}
              placeholder="/media/usb/auditor-trust"
            />
            <Checkbox
              label="Allow unpinned gateway keys (the bundle's own, vouched for by the exporter only)"
              checked={allowUnpinned}
              onChange={(e) => setAllowUnpinned(e.currentTarget.checked)}
            />
          </Group>
          <form
            onSubmit={(e) => {
              e.preventDefault();
              if (path.trim()) void open(path.trim());
            }}
          >
            <Group align="flex-end">
              <TextInput
                label="Bundle file (path)"
                value={path}
                onChange={(e) => setPath(e.currentTarget.value)}
                w={520}
                placeholder="/media/usb/alpha-0-999.arxbundle"
              />
              <Button type="submit" disabled={!path.trim() || opening} loading={opening}>
                Open bundle
              </Button>
            </Group>
          </form>
          <BundleList key={listVersion} onOpen={(p) => void open(p)} disabled={opening} />
          {opening && <Loader size="sm" aria-label="Verifying the bundle" />}
          {openError && <ErrorNotice error={openError} title="The bundle could not be opened" />}
        </Stack>
      </Card>
      {opened && <BundleReportView path={opened.path} report={opened.report} contents={opened.contents} />}
    </Stack>
  );
}

/** The bundles in the data directory's bundles folder, newest first. */
function BundleList({ onOpen, disabled }: { onOpen: (path: string) => void; disabled: boolean }) {
  const list = useArxResult((arx) => arx.bundle.list({}));
  if (list.state === 'loading') return null;
  if (list.state === 'error') return <ErrorNotice error={list.error} title="The bundles folder could not be listed" />;
  const bundles: Listed[] = list.value.bundles;
  if (bundles.length === 0) return null;
  return (
    <Table aria-label="Bundles in the data directory">
      <Table.Thead>
        <Table.Tr>
          <Table.Th>File</Table.Th>
          <Table.Th>Size</Table.Th>
          <Table.Th>Written</Table.Th>
          <Table.Th>Action</Table.Th>
        </Table.Tr>
      </Table.Thead>
      <Table.Tbody>
        {bundles.map((b) => (
          <Table.Tr key={b.path}>
            <Table.Td>{b.name}</Table.Td>
            <Table.Td title={exactBytes(b.bytes)}>{humanSize(b.bytes)}</Table.Td>
            <Table.Td>{b.modifiedAt}</Table.Td>
            <Table.Td>
              <Button
                size="xs"
                variant="light"
                onClick={() => onOpen(b.path)}
                aria-label={`Open ${b.name}`}
                disabled={disabled}
              >
                Open
              </Button>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}
