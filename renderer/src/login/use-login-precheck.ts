import { useEffect, useState } from 'react';
import { callArx } from '../app/arx-client';

export type LoginProblem = { code: string; message: string };

/**
 * Problems that make a login certain to fail whatever the PIN: the PIN field is not offered for
 * them. Anything else the pre-check finds is shown, and the login itself has the last word.
 */
const BLOCKING = new Set([
  'CERT_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'EDIPI_MISSING',
  'OPERATOR_LOGIN_NOT_ENROLLED',
  'OPERATOR_DISABLED',
  'OPERATOR_LOGIN_OTHER_CARD',
  'DB_UNREACHABLE',
  'DB_NOT_CONFIGURED',
]);

export const blocksLogin = (p: LoginProblem | null) => p !== null && BLOCKING.has(p.code);

/**
 * What main can tell about a login before the PIN (card.precheck) for the card in `slot` and the
 * chosen certificate; asked again whenever `tick` changes (each reader poll), so a control plane
 * that comes back or a card that is enrolled meanwhile clears it without a click.
 */
export function useLoginPrecheck(slot: string | null, certificateId: string | null, tick: unknown) {
  const [result, setResult] = useState<{ key: string; problem: LoginProblem | null } | null>(null);
  const key = `${slot}|${certificateId}`;
  useEffect(() => {
    if (slot === null) return;
    let live = true;
    void callArx((arx) => arx.card.precheck({ slot, certificateId })).then((r) => {
      if (!live) return;
      // A pre-check that cannot run says nothing: the login reports its own errors.
      setResult({ key, problem: r.ok ? r.value.problem : null });
    });
    return () => {
      live = false;
    };
  }, [slot, certificateId, key, tick]);
  return result && result.key === key && slot !== null ? result.problem : null;
}
