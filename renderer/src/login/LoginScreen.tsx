import { Alert, Button, Code, Group, Select, Stack, Text, Title } from '@mantine/core';
import { useEffect, useRef } from 'react';
import type { AppInfo, OperatorSession } from '../../../shared/contract';
import { ErrorNotice } from '../app/ErrorNotice';
import { GateScreen, gateHeading } from '../app/GateScreen';
import { PinSection } from './PinSection';
import { readerName, useReaders, type Reader } from './readers';
import { ReaderState } from './ReaderState';
import type { useLoginCard } from './use-login-card';
import { useLoginForm } from './use-login-form';
import type { LoginProblem } from './use-login-precheck';

/**
 * Operator login with the smart card: reader and card state, the login certificate when there is
 * a choice, and the PIN. The PIN lives in this component only until it is sent; main validates
 * the certificate and looks the operator up, and its error codes are shown as they came.
 */
export function LoginScreen({ info, onLoggedIn }: { info: AppInfo; onLoggedIn: (s: OperatorSession) => void }) {
  const [readers, refresh] = useReaders();
  const form = useLoginForm(readers, refresh, onLoggedIn);
  const { card, problem, blocked, error } = form;
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  return (
    <GateScreen info={info} maxWidth={560}>
      <form onSubmit={(e) => void form.submit(e)} autoComplete="off" aria-labelledby="login-heading">
        <Stack gap="md">
          <Title order={1} id="login-heading" ref={heading} tabIndex={-1} className={gateHeading}>
            Operator login
          </Title>
          <Group justify="space-between" align="flex-start" wrap="nowrap" role="group" aria-label="Card reader">
            <div aria-live="polite">
              <ReaderState readers={readers} chosen={card.chosenSlot} />
            </div>
            <Button variant="default" size="xs" onClick={refresh} style={{ flex: 'none' }}>
              Refresh readers
            </Button>
          </Group>
          <CardPickers
            card={card}
            onReader={(v) => {
              card.setChosenSlot(v);
              form.setError(null);
            }}
          />
          {card.reader && problem && <PrecheckProblem problem={problem} blocking={blocked} />}
          {card.reader && !blocked && (
            <PinSection
              pinState={form.pinState}
              pin={form.pin}
              onPin={form.setPin}
              confirmFinal={form.confirmFinal}
              onConfirmFinal={form.setConfirmFinal}
            />
          )}
          {error && <ErrorNotice error={error} title="Login failed" />}
          <Group justify="flex-end">
            <Button type="submit" size="md" disabled={!form.canSubmit} loading={form.busy}>
              Log in
            </Button>
          </Group>
        </Stack>
      </form>
    </GateScreen>
  );
}

/** The reader picker when several readers hold a card, the certificate picker when a card has several. */
function CardPickers({
  card,
  onReader,
}: {
  card: ReturnType<typeof useLoginCard> & { reader: Reader | null };
  onReader: (slot: string | null) => void;
}) {
  const { withCard, reader, certificates, certificateId, setCertificateId } = card;
  return (
    <>
      {withCard.length > 1 && (
        <Select
          label="Card reader"
          description={`${withCard.length} readers hold a card: choose yours`}
          data={withCard.map((r) => ({ value: r.slot, label: readerName(r) }))}
          value={reader?.slot ?? null}
          onChange={onReader}
          allowDeselect={false}
        />
      )}
      {certificates.length > 1 && (
        <Select
          label="Login certificate"
          placeholder="Choose a certificate"
          data={certificates.map((c) => ({ value: c.id, label: `${c.label} — ${c.subject}` }))}
          value={certificateId}
          onChange={setCertificateId}
          allowDeselect={false}
        />
      )}
    </>
  );
}

/** A problem found before the PIN, with its code; when it blocks, what to do instead of typing the PIN. */
function PrecheckProblem({ problem, blocking }: { problem: LoginProblem; blocking: boolean }) {
  return (
    <Alert
      color={blocking ? 'red' : 'yellow'}
      variant="outline"
      role="alert"
      title={blocking ? 'This card cannot log in now' : 'The login may fail'}
      data-error-code={problem.code}
      data-testid="login-precheck"
      // The yellow title on its own tint fails WCAG AA contrast: titles in the text colour.
      styles={{ title: { color: 'var(--mantine-color-text)' } }}
    >
      <Text size="sm">
        <Code fw={700}>{problem.code}</Code> {problem.message}
      </Text>
      {blocking && (
        <Text size="sm" mt={4}>
          No PIN is asked for until this is resolved; the screen checks again by itself.
        </Text>
      )}
    </Alert>
  );
}
