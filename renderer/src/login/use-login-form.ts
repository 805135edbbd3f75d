import { useState, type FormEvent } from 'react';
import type { OperatorSession } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';
import type { Loadable } from '../app/use-arx-result';
import { pinFlags } from './PinSection';
import { PIN_PATTERN, type Readers } from './readers';
import { useLoginCard } from './use-login-card';
import { blocksLogin, useLoginPrecheck } from './use-login-precheck';

/**
 * The login form's state: the card and certificate, the problem found before the PIN, the PIN
 * and its final-try confirmation, and the submit that sends them. The PIN is cleared as it is sent.
 */
export function useLoginForm(
  readers: Loadable<Readers>,
  refresh: () => void,
  onLoggedIn: (s: OperatorSession) => void,
) {
  const [pin, setPin] = useState('');
  const [confirmFinal, setConfirmFinal] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ArxError | null>(null);
  const card = useLoginCard(readers, setError);
  const { reader, slot, certificates, certificateId } = card;
  const problem = useLoginPrecheck(slot, certificates.length > 1 ? certificateId : null, readers);
  const blocked = blocksLogin(problem);

  const pinState = reader?.pinState ?? null;
  const { locked, pinPad, finalTry } = pinFlags(pinState);
  const pinValid = pinPad || PIN_PATTERN.test(pin);
  const needsPick = certificates.length > 1 && certificateId === null;
  const canSubmit =
    slot !== null && !blocked && !locked && pinValid && !needsPick && (!finalTry || confirmFinal) && !busy;

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

  return {
    card,
    problem,
    blocked,
    pinState,
    pin,
    setPin,
    confirmFinal,
    setConfirmFinal,
    busy,
    error,
    setError,
    canSubmit,
    submit,
  };
}
