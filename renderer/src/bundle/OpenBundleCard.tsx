import { Button, Card, Checkbox, Group, Loader, Stack, Text, TextInput, Title } from '@mantine/core';
import { useState } from 'react';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { BundleList } from './BundleList';
import { OpenWithCardDialog, type OpenWith } from './OpenWithCardDialog';
import type { BundleContents, BundleReport } from './BundleReportView';

export interface OpenedBundle {
  path: string;
  report: BundleReport;
  contents: BundleContents | null;
  /** Set for an encrypted bundle that was opened: what its envelope said. */
  envelope: { recipients: number; openedBy: string; hybrid: boolean } | null;
}

/** Bundles → Open: a bundle file verified offline against the trust directory the auditor names. */
export function OpenBundleCard({
  listVersion,
  onOpened,
}: {
  listVersion: number;
  onOpened: (o: OpenedBundle | null) => void;
}) {
  const [trustDir, setTrustDir] = useState('');
  const [allowUnpinned, setAllowUnpinned] = useState(false);
  const [opening, setOpening] = useState(false);
  const [openError, setOpenError] = useState<ArxError | null>(null);
  // An encrypted bundle: the file waiting for the card (the dialog is open while set).
  const [encrypted, setEncrypted] = useState<string | null>(null);

  const request = (p: string, how: OpenWith | null) =>
    callArx((arx) =>
      arx.bundle.open({
        path: p,
        maxEvents: 500,
        trust: trustDir.trim() || null,
        allowUnpinnedGatewayKeys: allowUnpinned,
        ...(how === null ? {} : how),
      }),
    );
  const open = async (p: string) => {
    setOpening(true);
    setOpenError(null);
    onOpened(null);
    const r = await request(p, null);
    setOpening(false);
    if (r.ok && r.value.report.fatal?.code === 'BUNDLE_ENCRYPTED_KEY_REQUIRED') setEncrypted(r.value.path);
    else if (r.ok) onOpened(r.value);
    else setOpenError(r.error);
  };

  return (
    <Card withBorder component="section" aria-labelledby="bundle-open-title">
      <Stack gap="sm">
        <Title order={2} id="bundle-open-title">
          Open bundle
        </Title>
        <TrustOptions
          trustDir={trustDir}
          onTrustDir={setTrustDir}
          allowUnpinned={allowUnpinned}
          onAllowUnpinned={setAllowUnpinned}
        />
        <BundlePathForm opening={opening} onOpen={(p) => void open(p)} />
        <BundleList key={listVersion} onOpen={(p) => void open(p)} disabled={opening} />
        {opening && <Loader size="sm" aria-label="Verifying the bundle" />}
        {openError && <ErrorNotice error={openError} title="The bundle could not be opened" />}
      </Stack>
      <OpenWithCardDialog
        path={encrypted}
        onOpen={(how) => request(encrypted!, how)}
        onOpened={(v) => {
          setEncrypted(null);
          onOpened(v);
        }}
        onCancel={() => setEncrypted(null)}
      />
    </Card>
  );
}

/** A bundle named by its path, opened on Enter or with the button. */
function BundlePathForm({ opening, onOpen }: { opening: boolean; onOpen: (path: string) => void }) {
  const [path, setPath] = useState('');
  return (
    <form
      onSubmit={(e) => {
        e.preventDefault();
        if (path.trim()) onOpen(path.trim());
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
  );
}

/** Where the trust anchors and pinned gateway keys come from: never from the bundle itself. */
function TrustOptions(props: {
  trustDir: string;
  onTrustDir: (v: string) => void;
  allowUnpinned: boolean;
  onAllowUnpinned: (v: boolean) => void;
}) {
  return (
    <>
      <Text size="sm" c="dimmed">
        Verification runs offline, against your trust directory — never anchors or gateway keys from the bundle. Its
        layout is that of <code>arx bundle verify --trust DIR</code>: <code>anchors/</code>, optional{' '}
        <code>intermediates/</code>, <code>crls/</code>, <code>policy-arcs.txt</code>, and <code>gateway-keys.txt</code>{' '}
        with the gateway keys you pin. Without pinned gateway keys a bundle does not verify (
        <code>GATEWAY_KEYS_UNPINNED</code>).
      </Text>
      <Group align="flex-end">
        <TextInput
          label="Trust directory"
          description="Empty: this console's configured trust anchors (and gateway-keys.txt there)"
          value={props.trustDir}
          onChange={(e) => props.onTrustDir(e.currentTarget.value)}
          w={520}
          placeholder="/media/usb/auditor-trust"
        />
        <Checkbox
          label="Allow unpinned gateway keys (the bundle's own, vouched for by the exporter only)"
          checked={props.allowUnpinned}
          onChange={(e) => props.onAllowUnpinned(e.currentTarget.checked)}
        />
      </Group>
    </>
  );
}
