import { Alert, Checkbox, PasswordInput, Stack, Text } from '@mantine/core';
import type { Reader } from './readers';

/** A tinted alert's title in the text colour: the tint colour on its own tint fails WCAG AA contrast. */
const READABLE_TITLE = { title: { color: 'var(--mantine-color-text)' } };

/** What the card's PIN state means for the form; no state (no card answer yet) means a plain PIN. */
export function pinFlags(pinState: Reader['pinState']) {
  return {
    locked: pinState?.refuse === true || pinState?.level === 'locked',
    pinPad: pinState?.pinPad === true,
    finalTry: pinState?.needsConfirmation === true || pinState?.level === 'final-try',
  };
}

/** The card's PIN state (few tries, locked, PIN pad, final try) and the PIN field. */
export function PinSection({
  pinState,
  pin,
  onPin,
  confirmFinal,
  onConfirmFinal,
}: {
  pinState: Reader['pinState'];
  pin: string;
  onPin: (pin: string) => void;
  confirmFinal: boolean;
  onConfirmFinal: (v: boolean) => void;
}) {
  const { locked, pinPad, finalTry } = pinFlags(pinState);
  return (
    <>
      {pinState?.level === 'warning' && (
        <Alert color="yellow" variant="light" title="Few PIN tries left" styles={READABLE_TITLE}>
          <Text size="sm">{pinState?.message}</Text>
        </Alert>
      )}
      {locked && (
        <Alert color="red" variant="outline" role="alert" title="The card is locked">
          <Text size="sm">
            {pinState?.message} The card must be unblocked by the issuing office; it cannot be used to log in.
          </Text>
        </Alert>
      )}
      {!locked && pinPad && (
        <Alert color="blue" variant="light" title="Reader with a PIN pad" styles={READABLE_TITLE}>
          <Text size="sm">Enter the PIN on the reader after you press Log in.</Text>
        </Alert>
      )}
      {!locked && !pinPad && (
        <PasswordInput
          label="PIN"
          description="4 to 16 letters or digits"
          value={pin}
          onChange={(e) => onPin(e.currentTarget.value)}
          autoComplete="off"
          minLength={4}
          maxLength={16}
          required
        />
      )}
      {!locked && finalTry && (
        <Alert color="red" variant="light" title="Final PIN try" styles={READABLE_TITLE}>
          <Stack gap="xs">
            <Text size="sm">{pinState?.message}</Text>
            <Checkbox
              label="The next wrong PIN locks the card. I understand."
              checked={confirmFinal}
              onChange={(e) => onConfirmFinal(e.currentTarget.checked)}
            />
          </Stack>
        </Alert>
      )}
    </>
  );
}
