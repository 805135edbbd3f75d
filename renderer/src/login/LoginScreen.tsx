import { Alert, Button, Checkbox, Group, PasswordInput, Select, Stack, Text, Title } from '@mantine/core';
import { useCallback, useEffect, useRef, useState, type FormEvent } from 'react';
import type { AppInfo, OperatorSession, ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import { ErrorNotice } from '../app/ErrorNotice';
import { toLoadable, type Loadable } from '../app/use-arx-result';
import { GateScreen, gateHeading } from '../app/GateScreen';

type Readers = ResponseOf<'card.readers'>;
type Reader = Readers['readers'][number];
type Certificate = ResponseOf<'card.certificates'>[number];

/** Readers are polled while this screen is shown, so inserting a card needs no click. */
const READER_POLL_MS = 3000;
/** A tinted alert's title in the text colour: the tint colour on its own tint fails WCAG AA contrast. */
const READABLE_TITLE = { title: { color: 'var(--mantine-color-text)' } };
export const PIN_PATTERN = /^[0-9A-Za-z]{4,16}$/;

function useReaders(): [Loadable<Readers>, () => void] {
  const [readers, setReaders] = useState<Loadable<Readers>>({ state: 'loading' });
  const refresh = useCallback(() => {
    void callArx((arx) => arx.card.readers({})).then((r) => setReaders(toLoadable(r)));
  }, []);
  useEffect(() => {
    refresh();
    const timer = setInterval(refresh, READER_POLL_MS);
    return () => clearInterval(timer);
  }, [refresh]);
  return [readers, refresh];
}

/** The readers with a card in them. */
function cardReaders(readers: Readers): Reader[] {
  return readers.readers.filter((r) => r.tokenPresent);
}

/** The reader the user chose (while it still holds a card), else the first one with a card. */
function cardSlot(readers: Readers, chosen: string | null): Reader | null {
  const present = cardReaders(readers);
  return present.find((r) => r.slot === chosen) ?? present[0] ?? null;
}

const readerName = (r: Reader) =>
  `${r.tokenLabel ?? 'unlabelled card'}${r.serial ? ` (serial ${r.serial})` : ''} in ${r.description}`;

function ReaderState({ readers, chosen }: { readers: Loadable<Readers>; chosen: string | null }) {
  if (readers.state === 'loading') return <Text size="sm">Looking for card readers…</Text>;
  if (readers.state === 'error')
    return <ErrorNotice error={readers.error} title="The card readers could not be read" />;
  const r = readers.value;
  if (r.module === 'unavailable') {
    return (
      <Alert color="red" variant="outline" role="alert" title="Card module unavailable">
        <Text size="sm">{r.detail}</Text>
      </Alert>
    );
  }
  if (r.readers.length === 0)
    return (
      <Text size="sm" fw={600} data-reader-state="no-reader">
        No card reader found. Connect a reader.{r.detail ? ` ${r.detail}` : ''}
      </Text>
    );
  const present = cardSlot(r, chosen);
  if (!present)
    return (
      <Text size="sm" fw={600} data-reader-state="no-card">
        No card in the reader ({r.readers.map((x) => x.description).join(', ')}). Insert your card.
      </Text>
    );
  return (
    <Text size="sm" fw={600} data-reader-state="card-present">
      Card present: {readerName(present)}
    </Text>
  );
}

/**
 * Operator login with the smart card: reader and card state, the login certificate when there is
 * a choice, and the PIN. The PIN lives in this component only until it is sent; main validates
 * the certificate and looks the operator up, and its error codes are shown as they came.
 */
export function LoginScreen({ info, onLoggedIn }: { info: AppInfo; onLoggedIn: (s: OperatorSession) => void }) {
  const [readers, refresh] = useReaders();
  // Both are kept with the card they belong to, so that another card never inherits them.
  const [certs, setCerts] = useState<{ card: string; list: Certificate[] } | null>(null);
  const [picked, setPicked] = useState<{ card: string; id: string } | null>(null);
  const [pin, setPin] = useState('');
  const [confirmFinal, setConfirmFinal] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    heading.current?.focus();
  }, []);

  // Several cards (or several readers with a card): the user picks the reader; one is taken as it is.
  const [chosenSlot, setChosenSlot] = useState<string | null>(null);
  const ready = readers.state === 'ok' && readers.value.module === 'ready' ? readers.value : null;
  const withCard = ready ? cardReaders(ready) : [];
  const reader = ready ? cardSlot(ready, chosenSlot) : null;
  const slot = reader?.slot ?? null;
  const pinState = reader?.pinState ?? null;

  // Certificates are read again when the card in the reader changes.
  const cardKey = reader ? `${reader.slot}/${reader.serial ?? ''}` : null;
  const certificates = certs && certs.card === cardKey ? certs.list : [];
  const certificateId = picked && picked.card === cardKey ? picked.id : null;
  const setCertificateId = (id: string | null) => setPicked(id && cardKey ? { card: cardKey, id } : null);
  useEffect(() => {
    if (!slot || !cardKey) return;
    let live = true;
    void callArx((arx) => arx.card.certificates({ slot })).then((r) => {
      if (!live) return;
      if (r.ok) setCerts({ card: cardKey, list: r.value.filter((c) => c.usableForLogin) });
      else setError(r.error);
    });
    return () => {
      live = false;
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [cardKey]);

  const locked = pinState?.refuse === true || pinState?.level === 'locked';
  const pinPad = pinState?.pinPad === true;
  const finalTry = pinState?.needsConfirmation === true || pinState?.level === 'final-try';
  const pinValid = pinPad || PIN_PATTERN.test(pin);
  const needsPick = certificates.length > 1 && certificateId === null;
  const canSubmit = slot !== null && !locked && pinValid && !needsPick && (!finalTry || confirmFinal) && !busy;

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!canSubmit || slot === null) return;
    const sent = pinPad ? null : pin;
    // The PIN leaves the component state before the call is even answered.
    setPin('');
    setBusy(true);
    setError(null);
    const r = await callArx((arx) =>
      arx.card.login({
        slot,
        certificateId: certificates.length > 1 ? certificateId : null,
        pin: sent,
        confirmFinalTry: finalTry && confirmFinal,
      }),
    );
    setBusy(false);
    setConfirmFinal(false);
    if (r.ok) onLoggedIn(r.value);
    else {
      setError(r.error);
      refresh();
    }
  }

  return (
    <GateScreen info={info} maxWidth={560}>
      <form onSubmit={(e) => void submit(e)} autoComplete="off" aria-labelledby="login-heading">
        <Stack gap="md">
          <Title order={1} id="login-heading" ref={heading} tabIndex={-1} className={gateHeading}>
            Operator login
          </Title>
          <Group justify="space-between" align="flex-start" wrap="nowrap" role="group" aria-label="Card reader">
            <div aria-live="polite">
              <ReaderState readers={readers} chosen={chosenSlot} />
            </div>
            <Button variant="default" size="xs" onClick={refresh} style={{ flex: 'none' }}>
              Refresh readers
            </Button>
          </Group>
          {withCard.length > 1 && (
            <Select
              label="Card reader"
              description={`${withCard.length} readers hold a card: choose yours`}
              data={withCard.map((r) => ({ value: r.slot, label: readerName(r) }))}
              value={reader?.slot ?? null}
              onChange={(v) => {
                setChosenSlot(v);
                setError(null);
              }}
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
          {reader && pinState && pinState.level === 'warning' && (
            <Alert color="yellow" variant="light" title="Few PIN tries left" styles={READABLE_TITLE}>
              <Text size="sm">{pinState.message}</Text>
            </Alert>
          )}
          {reader && locked && (
            <Alert color="red" variant="outline" role="alert" title="The card is locked">
              <Text size="sm">
                {pinState?.message} The card must be unblocked by the issuing office; it cannot be used to log in.
              </Text>
            </Alert>
          )}
          {reader && !locked && pinPad && (
            <Alert color="blue" variant="light" title="Reader with a PIN pad" styles={READABLE_TITLE}>
              <Text size="sm">Enter the PIN on the reader after you press Log in.</Text>
            </Alert>
          )}
          {reader && !locked && !pinPad && (
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
          )}
          {reader && !locked && finalTry && (
            <Alert color="red" variant="light" title="Final PIN try" styles={READABLE_TITLE}>
              <Stack gap="xs">
                <Text size="sm">{pinState?.message}</Text>
                <Checkbox
                  label="The next wrong PIN locks the card. I understand."
                  checked={confirmFinal}
                  onChange={(e) => setConfirmFinal(e.currentTarget.checked)}
                />
              </Stack>
            </Alert>
          )}
          {error && <ErrorNotice error={error} title="Login failed" />}
          <Group justify="flex-end">
            <Button type="submit" size="md" disabled={!canSubmit} loading={busy}>
              Log in
            </Button>
          </Group>
        </Stack>
      </form>
    </GateScreen>
  );
}
