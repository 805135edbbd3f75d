import {
  Loader,
  Group,
  SegmentedControl,
  Stack,
  Table,
  Text,
  Title,
  useMantineColorScheme,
  type MantineColorScheme,
} from '@mantine/core';
import type { ResponseOf } from '../../../shared/contract';
import { ErrorNotice } from '../app/ErrorNotice';
import { CachePanel } from '../cache/CachePanel';
import { useArxResult } from '../app/use-arx-result';
import { SectionHeader } from './SectionHeader';
import classes from './sections.module.css';

type SettingsView = ResponseOf<'settings.get'>;

const MODE_LABEL: Record<SettingsView['controlPlaneMode'], string> = {
  none: 'none (no control plane)',
  embedded: 'embedded (PostgreSQL started and stopped by the console)',
  external: 'external (on-prem PostgreSQL)',
};

function SettingsTable({ settings }: { settings: SettingsView }) {
  const rows: [string, string][] = [
    ['Data directory', settings.dataDir],
    ['Configuration file', settings.configFile ?? 'none (built-in defaults and ARX_* environment variables)'],
    ['Control plane', MODE_LABEL[settings.controlPlaneMode]],
    [
      'Database',
      settings.databaseDir ??
        (settings.controlPlaneMode === 'external' ? 'on the PostgreSQL server the configuration names' : 'none'),
    ],
    ['Card module (PKCS#11)', settings.cardModule],
    ['Idle lock', `${settings.idleLockMinutes} minutes`],
  ];
  return (
    <Table
      withTableBorder
      withRowBorders
      className={classes.settingsTable}
      aria-labelledby="settings-config-heading"
      verticalSpacing={8}
    >
      <Table.Tbody>
        {rows.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row">{label}</Table.Th>
            <Table.Td>{value}</Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function AppearanceSwitch() {
  const { colorScheme, setColorScheme } = useMantineColorScheme();
  return (
    <SegmentedControl
      aria-labelledby="settings-appearance-heading"
      value={colorScheme}
      onChange={(v) => setColorScheme(v as MantineColorScheme)}
      data={[
        { value: 'light', label: 'Light' },
        { value: 'dark', label: 'Dark' },
        { value: 'auto', label: 'Follow system' },
      ]}
    />
  );
}

export function SettingsSection() {
  const settings = useArxResult((arx) => arx.settings.get({}));
  return (
    <Stack gap="lg">
      <SectionHeader
        title="Settings"
        lead="The configuration in force in this session. It is read-only here: it comes from the configuration file named by ARX_CONFIG and from ARX_* environment variables, and takes effect when the console starts."
      />
      <section aria-labelledby="settings-config-heading">
        <Title order={2} id="settings-config-heading" mb="xs">
          Configuration in force
        </Title>
        {settings.state === 'loading' && (
          <Group gap="xs">
            <Loader size="xs" aria-hidden="true" />
            <Text size="sm">Reading the configuration…</Text>
          </Group>
        )}
        {settings.state === 'error' && (
          <ErrorNotice error={settings.error} title="The configuration could not be read" />
        )}
        {settings.state === 'ok' && <SettingsTable settings={settings.value} />}
      </section>
      <section aria-labelledby="settings-cache-heading">
        <Title order={2} id="settings-cache-heading" mb="xs">
          Local evidence cache
        </Title>
        <CachePanel />
      </section>
      <section aria-labelledby="settings-appearance-heading">
        <Title order={2} id="settings-appearance-heading" mb="xs">
          Colour scheme
        </Title>
        <Stack gap={6} align="flex-start">
          <AppearanceSwitch />
          <Text size="sm" c="dimmed">
            Kept on this workstation only.
          </Text>
        </Stack>
      </section>
    </Stack>
  );
}
