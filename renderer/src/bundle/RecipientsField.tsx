import { ActionIcon, Button, FileButton, Group, Stack, Text, TextInput, Tooltip } from '@mantine/core';
import { useState } from 'react';

/** One recipient of an encrypted export: a file main reads (by path), or one picked here and sent as PEM text. */
export type Recipient = { kind: 'path'; path: string } | { kind: 'picked'; name: string; pem: string };

/** The export request's recipient fields: paths for main to read, picked files as PEM texts. */
export function recipientRequest(list: readonly Recipient[]): { recipientFiles: string[]; encryptTo: string[] } {
  return {
    recipientFiles: list.flatMap((r) => (r.kind === 'path' ? [r.path] : [])),
    encryptTo: list.flatMap((r) => (r.kind === 'picked' ? [r.pem] : [])),
  };
}

const MAX_BYTES = 64 * 1024;

/** A picked file as PEM text: PEM as it is, a DER certificate wrapped (base64 in 64-column lines). */
async function pickedPem(f: File): Promise<Recipient> {
  if (f.size > MAX_BYTES) throw new Error(`${f.name} is larger than 64 KiB: not a recipient file.`);
  const bytes = new Uint8Array(await f.arrayBuffer());
  const text = new TextDecoder('latin1').decode(bytes);
  if (text.includes('-----BEGIN ')) return { kind: 'picked', name: f.name, pem: text };
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  const b64 = btoa(binary).replace(/.{64}/g, '$&\n');
  return { kind: 'picked', name: f.name, pem: `-----BEGIN CERTIFICATE-----\n${b64}\n-----END CERTIFICATE-----\n` };
}

/**
 * "Recipients" of an encrypted export: each a recipient's key-management certificate file (with
 * their ML-KEM-1024 public key when they have one), named by its full path or picked. Empty: the
 * bundle is written in clear. Main checks every file before the card is asked to sign.
 */
export function RecipientsField({
  value,
  onChange,
}: {
  value: readonly Recipient[];
  onChange: (v: Recipient[]) => void;
}) {
  const [path, setPath] = useState('');
  const [pickError, setPickError] = useState<string | null>(null);
  const add = () => {
    const p = path.trim();
    if (!p) return;
    onChange([...value, { kind: 'path', path: p }]);
    setPath('');
  };
  return (
    <Stack gap={6} role="group" aria-labelledby="bundle-recipients-label">
      <Text size="sm" fw={500} id="bundle-recipients-label">
        Recipients
      </Text>
      <Text size="xs" c="dimmed">
        Encrypt the bundle to these certificates (each recipient&apos;s key-management certificate, PEM or DER, with
        their ML-KEM-1024 key when the file holds one); only their cards open it. None: the bundle is written in clear.
      </Text>
      <Group align="flex-end" gap="xs">
        <TextInput
          label="Recipient certificate file (path)"
          value={path}
          onChange={(e) => setPath(e.currentTarget.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter') {
              e.preventDefault();
              add();
            }
          }}
          placeholder="/media/usb/recipients/baker-key-management.pem"
          w={380}
          error={pickError}
        />
        <Button variant="default" onClick={add} disabled={!path.trim()}>
          Add recipient
        </Button>
        <FileButton
          multiple
          accept=".pem,.crt,.cer,.der"
          onChange={(files) => {
            setPickError(null);
            Promise.all(files.map(pickedPem))
              .then((picked) => onChange([...value, ...picked]))
              .catch((e: Error) => setPickError(e.message));
          }}
        >
          {(props) => (
            <Button variant="default" {...props}>
              Choose files…
            </Button>
          )}
        </FileButton>
      </Group>
      <RecipientList value={value} onChange={onChange} />
    </Stack>
  );
}

/** The recipients added so far, each with its Remove button. */
function RecipientList({ value, onChange }: { value: readonly Recipient[]; onChange: (v: Recipient[]) => void }) {
  if (value.length === 0) return null;
  return (
    <Stack gap={2} component="ul" aria-label="Recipients" style={{ margin: 0, paddingLeft: 0, listStyle: 'none' }}>
      {value.map((r, i) => {
        const name = r.kind === 'path' ? r.path : r.name;
        return (
          <Group component="li" key={`${i}-${name}`} gap="xs" wrap="nowrap">
            <Text size="sm" style={{ wordBreak: 'break-all' }}>
              {name}
            </Text>
            <Tooltip label={`Remove recipient ${name}`}>
              <ActionIcon
                variant="subtle"
                color="gray"
                aria-label={`Remove recipient ${name}`}
                onClick={() => onChange(value.filter((_, j) => j !== i))}
              >
                ×
              </ActionIcon>
            </Tooltip>
          </Group>
        );
      })}
    </Stack>
  );
}
