import { Alert, Button, FileInput, Group, Stack, Table, Text } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { TableHead } from '../app/Loaded';
import { readPickedFiles, type CertificateFile } from './certificate-files';
import type { SignedAction } from './signed-action';
import { utcDay } from './use-admin-data';

type Preview = ResponseOf<'admin.operatorCheck'>;

const USAGE: Record<string, string> = {
  'piv-auth': 'PIV Authentication',
  signature: 'Digital Signature',
  'key-management': 'Key Management',
};

const usageOf = (usage: string) => USAGE[usage] ?? usage;

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
              <Table.Td>{c.subject}</Table.Td>
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

/** The picked files, read and checked by main: the files as sent and what main said about them. */
function useCertificateCheck() {
  const [files, setFiles] = useState<CertificateFile[] | null>(null);
  const [preview, setPreview] = useState<Preview | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const [busy, setBusy] = useState(false);
  const check = async (picked: File[]) => {
    setBusy(true);
    setError(null);
    setPreview(null);
    try {
      const read = await readPickedFiles(picked);
      const r = await callArx((arx) => arx.admin.operatorCheck({ files: read }));
      if (r.ok) {
        setFiles(read);
        setPreview(r.value);
      } else setError(r.error);
    } catch (err) {
      setError({ code: 'CERT_FILE_INVALID', message: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };
  const clear = () => {
    setPreview(null);
    setFiles(null);
  };
  return { files, preview, setPreview, error, busy, check, clear };
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
      <Group align="flex-end" gap="sm">
        <FileInput
          label="Certificate files"
          description="The card's PIV Authentication, Digital Signature and Key Management certificates (PEM or DER)"
          placeholder="Choose files"
          multiple
          clearable
          accept=".pem,.crt,.cer,.der"
          value={picked}
          onChange={(f) => {
            setPicked(f);
            setPreview(null);
          }}
          w={420}
        />
        <Button
          variant="default"
          onClick={() => {
            setDone(null);
            void check(picked);
          }}
          loading={busy}
          disabled={picked.length === 0}
        >
          Check certificates
        </Button>
      </Group>
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
