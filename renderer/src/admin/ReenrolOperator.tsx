import { Button, Code, Group, Paper, Stack, Table, Text, Title } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { TableHead } from '../app/Loaded';
import type { SignedAction } from './signed-action';
import { CertificateFilesInput, useCertificateCheck, usageOf, type Preview } from './use-certificate-check';
import { utcDay } from './use-admin-data';

type Operator = ResponseOf<'admin.operatorList'>[number];
type Shown = Preview['certificates'][number];

const USAGES = ['piv-auth', 'signature', 'key-management'];

function Fingerprint({ cert }: { cert: Shown | undefined }) {
  if (!cert) return <>—</>;
  return (
    <>
      <Code title={cert.sha256}>{cert.sha256.slice(0, 16)}…</Code> until {utcDay(cert.notAfter)}
    </>
  );
}

/** Each certificate of the card, in use now → on the new card, side by side. */
function ChangeTable({ preview }: { preview: Preview }) {
  const old = preview.replaces ?? [];
  // A card enrolled with more certificates (e.g. Card Authentication) shows those retired too.
  const usages = [...new Set([...USAGES, ...old.map((c) => c.usage)])];
  return (
    <Table withTableBorder aria-label="Certificates replaced">
      <TableHead columns={['Certificate', 'In use now (retired)', 'New card']} />
      <Table.Tbody>
        {usages.map((usage) => (
          <Table.Tr key={usage}>
            <Table.Td>{usageOf(usage)}</Table.Td>
            <Table.Td>
              <Fingerprint cert={old.find((c) => c.usage === usage)} />
            </Table.Td>
            <Table.Td>
              <Fingerprint cert={preview.certificates.find((c) => c.usage === usage)} />
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

/** What the card signs for a re-enrolment: whom, and each certificate retired and added. */
function reenrolAction(
  o: Operator,
  preview: Preview,
  run: SignedAction['run'],
  done: SignedAction['done'],
): SignedAction {
  const sha = (prefix: string, list: readonly Shown[]) =>
    list.map((c) => [`${prefix} ${usageOf(c.usage)} SHA-256`, c.sha256] as const);
  return {
    title: 'Re-enrol an operator',
    purpose: `You bind ${o.displayName} (EDIPI ${o.edipi}) to their new card: the certificates in use are retired (what they signed stays verifiable), their database credential is wrapped to the new card, and their open sessions end. Their roles stay.`,
    details: [
      ['Operator', `${o.displayName} (EDIPI ${o.edipi})`],
      ...sha('Retired', preview.replaces ?? []),
      ...sha('New', preview.certificates),
    ],
    run,
    done,
  };
}

/**
 * Re-enrolment after a card change: the new card's certificate files, checked by main as this
 * operator's (same EDIPI) next to the certificates they replace; the administrator's card signs.
 */
export function ReenrolOperator(props: {
  operator: Operator;
  ask: (a: SignedAction) => void;
  finished: (message: string) => void;
  cancel: () => void;
}) {
  const o = props.operator;
  const [picked, setPicked] = useState<File[]>([]);
  const { files, preview, setPreview, error, busy, check } = useCertificateCheck(o.operatorId);

  const reenrol = () => {
    if (!preview || !files) return;
    const run = (pin: string) => callArx((arx) => arx.admin.operatorReenrol({ operatorId: o.operatorId, files, pin }));
    props.ask(
      reenrolAction(o, preview, run, (v) => {
        const r = v as ResponseOf<'admin.operatorReenrol'>;
        props.finished(
          `${r.displayName} (EDIPI ${r.edipi}) is re-enrolled with the new card; ${r.retired.length} certificates retired. The old card is refused from now on.`,
        );
      }),
    );
  };

  return (
    <Paper withBorder p="md" mb="sm" component="section" aria-labelledby="admin-reenrol-heading">
      <Stack gap="sm">
        <Title order={3} id="admin-reenrol-heading">
          Re-enrol {o.displayName} with a new card
        </Title>
        <Text size="sm">
          After a card change (same EDIPI {o.edipi}, new certificates): choose the new card&apos;s certificate files.
        </Text>
        <CertificateFilesInput
          picked={picked}
          busy={busy}
          pick={(f) => {
            setPicked(f);
            setPreview(null);
          }}
          check={() => void check(picked)}
        />
        {error && <ErrorNotice error={error} title="These certificates cannot replace the card" />}
        {preview && (
          <>
            <Text size="sm">
              Valid against the configured trust anchors and revocation lists, and they name{' '}
              <strong>{preview.displayName}</strong>, EDIPI <strong>{preview.edipi}</strong>.
            </Text>
            <ChangeTable preview={preview} />
          </>
        )}
        <Group>
          {preview && <Button onClick={reenrol}>Re-enrol {o.displayName}…</Button>}
          <Button variant="default" onClick={props.cancel}>
            Cancel
          </Button>
        </Group>
      </Stack>
    </Paper>
  );
}
