import { useCallback, useEffect, useState } from 'react';
import type { OperatorSession } from '../../../shared/contract';
import { callArx, subscribeArx } from '../app/arx-client';
import { toLoadable, type Loadable } from '../app/use-arx-result';

/**
 * The operator session as main holds it: read with card.session, then kept current by the
 * session.changed event (login, lock, unlock, logout). Null means nobody is logged in.
 * The third element reads card.session again (after it failed).
 */
export function useOperatorSession(): [
  Loadable<OperatorSession | null>,
  (s: OperatorSession | null) => void,
  () => void,
] {
  const [session, setSession] = useState<Loadable<OperatorSession | null>>({ state: 'loading' });
  const [attempt, setAttempt] = useState(0);
  useEffect(() => {
    let live = true;
    let pushed = false;
    const unsubscribe = subscribeArx('session.changed', (payload) => {
      pushed = true;
      if (live) setSession({ state: 'ok', value: payload });
    });
    void callArx((arx) => arx.card.session({})).then((r) => {
      // An event that arrived while the request was in flight is newer than the answer.
      if (live && !(pushed && r.ok)) setSession(toLoadable(r));
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, [attempt]);
  const reload = useCallback(() => {
    setSession({ state: 'loading' });
    setAttempt((n) => n + 1);
  }, []);
  return [session, (s) => setSession({ state: 'ok', value: s }), reload];
}
