import { ActionIcon, Button, FileButton, Group, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';

/** The organisation recovery key of an export: a file main reads (by path), or one picked here. */
export type RecoveryKey = { kind: 'path'; path: string } | { kind: 'picked'; name: string; bytes: string } | null;

/**
 * The export request's recovery key fields: a path for main to read (`recoveryKeyFile`), or a
 * picked file's bytes one character per byte (`recoveryKey`, which main reads back as latin1, so a
 * DER key arrives byte for byte).
 */
export function recoveryKeyRequest(k: RecoveryKey): { recoveryKeyFile?: string; recoveryKey?: string } {
  if (k === null) return {};
  return k.kind === 'path' ? { recoveryKeyFile: k.path } : { recoveryKey: k.bytes };
}

const MAX_BYTES = 64 * 1024;

async function picked(f: File): Promise<RecoveryKey> {
  if (f.size > MAX_BYTES) throw new Error(`${f.name} is larger than 64 KiB: not a recovery key file.`);
  const b = new Uint8Array(await f.arrayBuffer());
  let bytes = '';
  for (let i = 0; i < b.length; i += 0x8000) bytes += String.fromCharCode(...b.subarray(i, i + 0x8000));
  return { kind: 'picked', name: f.name, bytes };
}

/**
 * "Recovery key" of an encrypted export: the organisation recovery public key (PEM or DER, with its
 * ML-KEM-1024 key when the file holds one), by full path or picked; its private key opens the
 * bundle when no recipient's card can. Main checks it before the card is asked to sign
 * (BUNDLE_RECOVERY_KEY_INVALID).
 */
export function RecoveryKeyField({ value, onChange }: { value: RecoveryKey; onChange: (v: RecoveryKey) => void }) {
  const [path, setPath] = useState('');
  const [pickError, setPickError] = useState<string | null>(null);
  const set = () => {
    if (!path.trim()) return;
    onChange({ kind: 'path', path: path.trim() });
    setPath('');
  };
  if (value !== null) {
    const name = value.kind === 'path' ? value.path : value.name;
    return (
      <Group gap="xs" wrap="nowrap" data-testid="bundle-recovery-key">
        <Text size="sm" style={{ wordBreak: 'break-all' }}>
          Also to the organisation recovery key: {name}
        </Text>
        <Tooltip label="Remove the recovery key">
          <ActionIcon variant="subtle" color="gray" aria-label="Remove the recovery key" onClick={() => onChange(null)}>
            ×
          </ActionIcon>
        </Tooltip>
      </Group>
    );
  }
  return (
    <Stack gap={6}>
      <Group align="flex-end" gap="xs">
        <TextInput
          label="Organisation recovery key (path)"
          description="Optional: the recovery public key; its private key can open the bundle without a card"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              set();
            }
          }}
          placeholder="/media/usb/recovery.pub.pem"
          w={380}
          error={pickError}
        />
        <Button variant="default" onClick={set} disabled={!path.trim()}>
          Use recovery key
        </Button>
        <FileButton
          accept=".pem,.der,.pub,.crt,.cer"
          onChange={(f) => {
            setPickError(null);
            if (f)
              picked(f)
                .then(onChange)
                .catch((e: Error) => setPickError(e.message));
          }}
        >
          {(props) => (
            <Button variant="default" {...props} aria-label="Choose the recovery key file…">
              Choose file…
            </Button>
          )}
        </FileButton>
      </Group>
    </Stack>
  );
}
