import { useEffect, useState } from 'react';
import type { WitnessStatus } from '../../../shared/contract/domains/witness';
import { callArx, subscribeArx } from '../app/arx-client';

/**
 * This console's witnessing (witnessing.status), kept current by witnessing.changed and re-read on
 * every login, lock and logout. Null until the first answer, or when it cannot be read.
 */
export function useWitnessing(): WitnessStatus | null {
  const [status, setStatus] = useState<WitnessStatus | null>(null);
  useEffect(() => {
    let live = true;
    const read = () =>
      void callArx((arx) => arx.witnessing.status({})).then((r) => {
        if (live && r.ok) setStatus(r.value);
      });
    const offChanged = subscribeArx('witnessing.changed', (s) => live && setStatus(s));
    const offSession = subscribeArx('session.changed', read);
    read();
    return () => {
      live = false;
      offChanged();
      offSession();
    };
  }, []);
  return status;
}
