import { Button, Group, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef, useState } from 'react';
import type { AppInfo } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { consentBlocks } from './consent-text';
import { GateScreen, gateHeading } from '../app/GateScreen';
import classes from './consent.module.css';

/**
 * The Notice and Consent banner (DoD CIO memo, 9 May 2008): the first screen, and nothing else of
 * the console is rendered until main confirms the acknowledgement. Main holds that state and
 * refuses every other command until then (CONSENT_REQUIRED), so this screen is not the guard; it
 * is the way through it.
 */
export function ConsentScreen({
  info,
  onAcknowledged,
}: {
  info: AppInfo;
  onAcknowledged: (acknowledgedAt: string | null) => void;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  async function acknowledge() {
    setBusy(true);
    setError(null);
    const r = await callArx((arx) => arx.session.acknowledgeConsent({ accept: true }));
    setBusy(false);
    if (r.ok && r.value.consentAcknowledged) onAcknowledged(r.value.acknowledgedAt);
    else if (!r.ok) setError(r.error);
    else setError({ code: 'CONSENT_NOT_RECORDED', message: 'Main did not record the acknowledgement. Try again.' });
  }

  return (
    <GateScreen info={info} maxWidth={820}>
      <Stack gap="lg">
        <Stack gap={4}>
          <Text size="xs" fw={700} tt="uppercase" c="dimmed" lts="0.08em">
            Before you continue
          </Text>
          <Title order={1} ref={heading} tabIndex={-1} className={gateHeading}>
            {info.consentTitle}
          </Title>
        </Stack>
        <div className={classes.text} data-testid="consent-text">
          <Stack gap="sm">
            {consentBlocks(info.consentText).map((b, i) =>
              b.kind === 'paragraph' ? (
                <Text key={i} inherit>
                  {b.text}
                </Text>
              ) : (
                <ul key={i}>
                  {b.items.map((item) => (
                    <li key={item}>{item}</li>
                  ))}
                </ul>
              ),
            )}
          </Stack>
        </div>
        {error && <ErrorNotice error={error} title="The acknowledgement was not recorded" />}
        <Group justify="space-between" align="center" className={classes.actions} wrap="wrap">
          <Text size="sm" c="dimmed" maw={520}>
            Your acknowledgement holds for this session only. You will see this notice again when the console restarts.
          </Text>
          <Button size="md" onClick={() => void acknowledge()} loading={busy}>
            I acknowledge
          </Button>
        </Group>
      </Stack>
    </GateScreen>
  );
}
