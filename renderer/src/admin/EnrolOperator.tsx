import { Alert, Button, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import { callArx } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { TableHead } from '../app/Loaded';
import { Dn } from '../app/Readable';
import type { SignedAction } from './signed-action';
import { CertificateFilesInput, useCertificateCheck, usageOf, type Preview } from './use-certificate-check';
import { utcDay } from './use-admin-data';

/** What the picked files name, the certificates in a table, and the button that asks the card to sign. */
function EnrolPreview({ preview, enrol }: { preview: Preview; enrol: () => void }) {
  return (
    <Stack gap="xs">
      <Text size="sm">
        Valid against the configured trust anchors and revocation lists. They name{' '}
        <strong>{preview.displayName}</strong>, EDIPI <strong>{preview.edipi}</strong>.
      </Text>
      <Table withTableBorder aria-label="Certificates to enrol">
        <TableHead columns={['Certificate', 'Expires', 'Subject']} />
        <Table.Tbody>
          {preview.certificates.map((c) => (
            <Table.Tr key={c.sha256}>
              <Table.Td>{usageOf(c.usage)}</Table.Td>
              <Table.Td>{utcDay(c.notAfter)}</Table.Td>
              <Table.Td>
                <Dn value={c.subject} />
              </Table.Td>
            </Table.Tr>
          ))}
        </Table.Tbody>
      </Table>
      <Group>
        <Button onClick={enrol}>Enrol {preview.displayName}…</Button>
      </Group>
    </Stack>
  );
}

/**
 * Enrolment from the card's certificate files: the console validates them against the trust
 * anchors and says whom they name; the administrator's card then signs the enrolment.
 */
export function EnrolOperator({ ask, enrolled }: { ask: (a: SignedAction) => void; enrolled: () => void }) {
  const [picked, setPicked] = useState<File[]>([]);
  const [done, setDone] = useState<string | null>(null);
  const { files, preview, setPreview, error, busy, check, clear } = useCertificateCheck();

  const enrol = () => {
    if (!preview || !files) return;
    ask({
      title: 'Enrol an operator',
      purpose: `You enrol ${preview.displayName} (EDIPI ${preview.edipi}): a database login whose credential only their card opens. They hold no role until one is granted.`,
      details: [
        ['EDIPI', preview.edipi],
        ['Name', preview.displayName],
        ...preview.certificates.map((c) => [`${usageOf(c.usage)} SHA-256`, c.sha256] as const),
      ],
      run: (pin) => callArx((arx) => arx.admin.operatorEnrol({ files, pin })),
      done: () => {
        setDone(`${preview.displayName} (EDIPI ${preview.edipi}) is enrolled.`);
        clear();
        setPicked([]);
        enrolled();
      },
    });
  };

  return (
    <Stack gap="sm">
      <CertificateFilesInput
        picked={picked}
        busy={busy}
        pick={(f) => {
          setPicked(f);
          setPreview(null);
        }}
        check={() => {
          setDone(null);
          void check(picked);
        }}
      />
      {error && <ErrorNotice error={error} title="These certificates cannot be enrolled" />}
      {done && (
        <Alert color="green" variant="light" role="status" title="Enrolled">
          {done}
        </Alert>
      )}
      {preview && <EnrolPreview preview={preview} enrol={enrol} />}
    </Stack>
  );
}
