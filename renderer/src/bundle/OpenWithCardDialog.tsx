import { Button, Code, Group, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ENVELOPE_FATAL_CODES } from '../../../shared/bundle';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ArxError, Result } from '../app/arx-client';
import type { OpenedBundle } from './OpenBundleCard';

const envelopeCodes: readonly string[] = ENVELOPE_FATAL_CODES;

/**
 * An encrypted bundle asks for the operator's card: its key-management key unwraps the file key
 * (the card's login authorises it), then the bundle inside is verified as any other. A card that
 * is not a recipient, or an envelope that does not open, is said here with its code.
 */
export function OpenWithCardDialog({
  path,
  onOpen,
  onOpened,
  onCancel,
}: {
  /** The encrypted file; the dialog is open while set. */
  path: string | null;
  onOpen: (kemKeyFile: string | null) => Promise<Result<OpenedBundle>>;
  onOpened: (o: OpenedBundle) => void;
  onCancel: () => void;
}) {
  const [kemKeyFile, setKemKeyFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const close = () => {
    setError(null);
    onCancel();
  };
  const submit = async () => {
    setBusy(true);
    setError(null);
    const r = await onOpen(kemKeyFile.trim() || null);
    setBusy(false);
    const fatal = r.ok ? r.value.report.fatal : null;
    if (!r.ok) setError(r.error);
    else if (fatal && envelopeCodes.includes(fatal.code)) setError({ code: fatal.code, message: fatal.message });
    else {
      setError(null);
      onOpened(r.value);
    }
  };
  return (
    <Modal
      opened={path !== null}
      onClose={close}
      title="Open the encrypted bundle"
      size="lg"
      closeOnClickOutside={false}
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">
            <Code style={{ wordBreak: 'break-all' }}>{path}</Code> is encrypted: only the cards it was sealed to, and
            the organisation recovery key, open it.
          </Text>
          <Text size="sm">
            Your card&apos;s key-management key unwraps it, here, with no network; the bundle inside is then verified
            like any other as it is decrypted, and never written to disk in clear.
          </Text>
          <TextInput
            label="ML-KEM key file (path)"
            description="Only for a hybrid bundle: your sealed ML-KEM-1024 key file (arx bundle kem-key)"
            value={kemKeyFile}
            onChange={(e) => setKemKeyFile(e.currentTarget.value)}
            placeholder="/home/you/kem-key.json"
          />
          {error && <ErrorNotice error={error} title="The bundle was not opened" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} data-autofocus>
              Open with card
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
