import { useEffect, useState } from 'react';
import type { Status } from '../../../shared/contract';
import { callArx, subscribeArx } from '../app/arx-client';
import { toLoadable, type Loadable } from '../app/use-arx-result';

/**
 * The control-plane and card state: read once with status.get, then kept current by the
 * status.changed event. Until the first answer arrives the state is "loading", never a guess.
 */
export function useConsoleStatus(): Loadable<Status> {
  const [status, setStatus] = useState<Loadable<Status>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    let pushed = false;
    const unsubscribe = subscribeArx('status.changed', (payload) => {
      pushed = true;
      if (live) setStatus({ state: 'ok', value: payload });
    });
    void callArx((arx) => arx.status.get({})).then((r) => {
      // An event that arrived while the request was in flight is newer than the answer.
      if (live && !(pushed && r.ok)) setStatus(toLoadable(r));
    });
    return () => {
      live = false;
      unsubscribe();
    };
  }, []);
  return status;
}
