import { Button, Group, PasswordInput, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState, type FormEvent } from 'react';
import type { AppInfo, OperatorSession } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { PIN_PATTERN } from './readers';
import { GateScreen, gateHeading } from '../app/GateScreen';

const REASON: Record<NonNullable<OperatorSession['lockReason']>, string> = {
  'card-removed': 'card removed',
  idle: 'idle',
  user: 'by you',
};

/**
 * Shown instead of the console while the session is locked: the shell and its sections are not
 * rendered at all, so nothing of their content is in the page. Only the banners stay.
 */
export function LockScreen({
  info,
  session,
  onChanged,
}: {
  info: AppInfo;
  session: OperatorSession;
  onChanged: (s: OperatorSession | null) => void;
}) {
  const [pin, setPin] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function unlock(e: FormEvent) {
    e.preventDefault();
    if (!PIN_PATTERN.test(pin)) return;
    const sent = pin;
    setPin('');
    setBusy(true);
    setError(null);
    const r = await callArx((arx) => arx.card.unlock({ pin: sent }));
    setBusy(false);
    if (r.ok) onChanged(r.value);
    else setError(r.error);
  }

  async function logout() {
    setBusy(true);
    const r = await callArx((arx) => arx.card.logout({}));
    setBusy(false);
    if (r.ok) onChanged(null);
    else setError(r.error);
  }

  return (
    <GateScreen info={info} maxWidth={560}>
      <form onSubmit={(e) => void unlock(e)} autoComplete="off" aria-labelledby="lock-heading">
        <Stack gap="md">
          <Title order={1} id="lock-heading" ref={heading} tabIndex={-1} className={gateHeading}>
            Console locked ({session.lockReason ? REASON[session.lockReason] : 'locked'})
          </Title>
          <Text size="sm">
            {session.displayName} (EDIPI {session.edipi}). Enter the PIN of the same card to resume, or log out.
          </Text>
          <PasswordInput
            label="PIN"
            description="4 to 16 letters or digits"
            value={pin}
            onChange={(e) => setPin(e.currentTarget.value)}
            autoComplete="off"
            minLength={4}
            maxLength={16}
            required
          />
          {error && <ErrorNotice error={error} title="Unlock failed" />}
          <Group justify="space-between">
            <Button variant="default" onClick={() => void logout()} disabled={busy}>
              Log out
            </Button>
            <Button type="submit" disabled={busy || !PIN_PATTERN.test(pin)} loading={busy}>
              Unlock
            </Button>
          </Group>
        </Stack>
      </form>
    </GateScreen>
  );
}
