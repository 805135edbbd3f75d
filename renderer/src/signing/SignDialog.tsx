import { Button, Checkbox, Code, Group, Modal, PasswordInput, Stack, Table, Text } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { ErrorNotice } from '../app/ErrorNotice';
import type { ArxError, Result } from '../app/arx-client';
import { PIN_PATTERN } from '../login/readers';

export interface SignDialogProps<T> {
  opened: boolean;
  /** Dialog title, e.g. "Sign the policy version". */
  title: string;
  /** One sentence saying what the signature means, e.g. "You approve version 3 of alpha-command's policy". */
  purpose: string;
  /** What is signed, shown as label/value rows (digests in full: the user may compare them). */
  details: readonly (readonly [label: string, value: string])[];
  /** Sends the PIN with the signing command; the dialog closes on success and shows the error otherwise. */
  onSign: (pin: string) => Promise<Result<T>>;
  onSigned: (value: T) => void;
  onCancel: () => void;
  /** Shown above the buttons (e.g. the progress of the work the signature finishes). */
  extra?: ReactNode;
  /** What will change, shown before what is signed (the diff, the tenant, the effect). */
  review?: ReactNode;
  /** A sentence the signer ticks before the card may sign (for changes every gateway enforces). */
  confirmation?: string;
}

/**
 * The one place the console asks for the PIN for a signature (the Digital Signature
 * key needs the PIN for every signature, and the user sees what is signed). The PIN lives in this
 * component's state only until it is sent, and is cleared on every outcome. Cancel cancels: it
 * never re-prompts.
 */
export function SignDialog<T>({
  opened,
  title,
  purpose,
  details,
  onSign,
  onSigned,
  onCancel,
  extra,
  review,
  confirmation,
}: SignDialogProps<T>) {
  const [pin, setPin] = useState('');
  const [confirmed, setConfirmed] = useState(false);
  const ready = PIN_PATTERN.test(pin) && (confirmation === undefined || confirmed);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);

  const close = () => {
    setPin('');
    setError(null);
    onCancel();
  };
  const submit = async () => {
    if (!ready || busy) return;
    const sent = pin;
    setPin('');
    setBusy(true);
    setError(null);
    const r = await onSign(sent);
    setBusy(false);
    if (r.ok) onSigned(r.value);
    else setError(r.error);
  };

  return (
    <Modal
      opened={opened}
      onClose={close}
      title={title}
      size={review ? 'xl' : 'lg'}
      closeOnClickOutside={false}
      data-testid="sign-dialog"
    >
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void submit();
        }}
      >
        <Stack gap="sm">
          <Text size="sm">{purpose}</Text>
          {review}
          <SignedDetails details={details} />
          <Text size="xs" c="dimmed">
            Your card signs with its Digital Signature key. The PIN goes to the card only and is never stored.
          </Text>
          <CardPinInput pin={pin} onPin={setPin} />
          {confirmation !== undefined && (
            <Checkbox
              label={confirmation}
              checked={confirmed}
              onChange={(e) => setConfirmed(e.currentTarget.checked)}
            />
          )}
          {extra}
          {error && <ErrorNotice error={error} title="The signature was not made" />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close} disabled={busy}>
              Cancel
            </Button>
            <Button type="submit" loading={busy} disabled={!ready}>
              Sign with card
            </Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}

/** What is signed, as label/value rows. */
function SignedDetails({ details }: { details: SignDialogProps<unknown>['details'] }) {
  return (
    <Table withTableBorder withColumnBorders aria-label="What is signed">
      <Table.Tbody>
        {details.map(([label, value]) => (
          <Table.Tr key={label}>
            <Table.Th scope="row">{label}</Table.Th>
            <Table.Td>
              <Code style={{ wordBreak: 'break-all' }}>{value}</Code>
            </Table.Td>
          </Table.Tr>
        ))}
      </Table.Tbody>
    </Table>
  );
}

function CardPinInput({ pin, onPin }: { pin: string; onPin: (pin: string) => void }) {
  return (
    <PasswordInput
      label="Card PIN"
      autoComplete="off"
      data-autofocus
      value={pin}
      onChange={(e) => onPin(e.currentTarget.value)}
      error={pin !== '' && !PIN_PATTERN.test(pin) ? 'A PIN is 4 to 16 letters or digits' : undefined}
    />
  );
}
