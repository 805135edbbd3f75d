import { Button, Code, Group, Modal, PasswordInput, Stack, Text, TextInput } from '@mantine/core';
import { useState } from 'react';
import { ENVELOPE_FATAL_CODES } from '../../../shared/bundle';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ArxError, Result } from '../app/arx-client';
import type { OpenedBundle } from './OpenBundleCard';

const envelopeCodes: readonly string[] = ENVELOPE_FATAL_CODES;

/** How the encrypted bundle is opened: the logged-in card (with the ML-KEM key file of a hybrid stanza), or the recovery key. */
export type OpenWith =
  | { card: true; kemKeyFile: string | null }
  | { card: false; recoveryKeyFile: string; recoveryPassphrase: string | null };

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
  onOpen: (how: OpenWith) => Promise<Result<OpenedBundle>>;
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
  const submit = async (how: OpenWith) => {
    setBusy(true);
    setError(null);
    const r = await onOpen(how);
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
          void submit({ card: true, kemKeyFile: kemKeyFile.trim() || null });
        }}
      >
        <Stack gap="sm">
          <EncryptedIntro path={path} />
          <TextInput
            label="ML-KEM key file (path)"
            description="Only for a hybrid bundle: your sealed ML-KEM-1024 key file (arx bundle kem-key)"
            value={kemKeyFile}
            onChange={(e) => setKemKeyFile(e.currentTarget.value)}
            placeholder="/home/you/kem-key.json"
          />
          <Group justify="flex-end">
            <Button type="submit" loading={busy} data-autofocus>
              Open with card
            </Button>
          </Group>
          <RecoveryKeyOpen
            busy={busy}
            onOpen={(file, passphrase) =>
              void submit({ card: false, recoveryKeyFile: file, recoveryPassphrase: passphrase || null })
            }
          />
          {error && <ErrorNotice error={error} title="The bundle was not opened" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/**
 * Or the organisation recovery private key, by its full path (main reads it: the private key never
 * passes through this window), with its passphrase when the file is encrypted.
 */
function RecoveryKeyOpen(props: { busy: boolean; onOpen: (file: string, passphrase: string) => void }) {
  const [file, setFile] = useState('');
  const [passphrase, setPassphrase] = useState('');
  return (
    <Stack gap={6} role="group" aria-labelledby="bundle-recovery-open-label">
      <Text size="sm" fw={500} id="bundle-recovery-open-label">
        Or with the organisation recovery key
      </Text>
      <Group align="flex-end" gap="xs">
        <TextInput
          label="Recovery private key file (path)"
          description="PEM, with its ML-KEM-1024 key for a hybrid bundle (arx bundle verify --recovery-key)"
          value={file}
          onChange={(e) => setFile(e.currentTarget.value)}
          placeholder="/media/recovery/recovery.pem"
          w={360}
        />
        <PasswordInput
          label="Passphrase"
          description="Only if the key file is encrypted"
          value={passphrase}
          onChange={(e) => setPassphrase(e.currentTarget.value)}
          w={180}
        />
        <Button
          variant="default"
          onClick={() => props.onOpen(file.trim(), passphrase)}
          disabled={!file.trim()}
          loading={props.busy}
        >
          Open with recovery key
        </Button>
      </Group>
    </Stack>
  );
}

/** What the dialog says first: the file is encrypted, who opens it, and that nothing is written in clear. */
function EncryptedIntro({ path }: { path: string | null }) {
  return (
    <>
      <Text size="sm">
        <Code style={{ wordBreak: 'break-all' }}>{path}</Code> is encrypted: only the cards it was sealed to, and the
        organisation recovery key, open it.
      </Text>
      <Text size="sm">
        Your card&apos;s key-management key unwraps it, here, with no network; the bundle inside is then verified like
        any other as it is decrypted, and never written to disk in clear.
      </Text>
    </>
  );
}
