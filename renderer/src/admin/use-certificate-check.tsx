import { Button, FileInput, Group } from '@mantine/core';
import { useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import { readPickedFiles, type CertificateFile } from './certificate-files';

export type Preview = ResponseOf<'admin.operatorCheck'>;

const USAGE: Record<string, string> = {
  'piv-auth': 'PIV Authentication',
  signature: 'Digital Signature',
  'key-management': 'Key Management',
  'card-auth': 'Card Authentication',
};

export const usageOf = (usage: string) => USAGE[usage] ?? usage;

/** The picked files, read and checked by main: the files as sent and what main said about them. */
export function useCertificateCheck(operatorId?: string) {
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
      const r = await callArx((arx) =>
        arx.admin.operatorCheck(operatorId ? { files: read, operatorId } : { files: read }),
      );
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

/** The file picker for a card's certificates and the button that has main check them. */
export function CertificateFilesInput(props: {
  picked: File[];
  busy: boolean;
  pick: (files: File[]) => void;
  check: () => void;
}) {
  return (
    <Group align="flex-end" gap="sm">
      <FileInput
        label="Certificate files"
        description="The card's PIV Authentication, Digital Signature and Key Management certificates (PEM or DER)"
        placeholder="Choose files"
        multiple
        clearable
        accept=".pem,.crt,.cer,.der"
        value={props.picked}
        onChange={props.pick}
        w={420}
      />
      <Button variant="default" onClick={props.check} loading={props.busy} disabled={props.picked.length === 0}>
        Check certificates
      </Button>
    </Group>
  );
}
