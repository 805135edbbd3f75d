import { useCallback, useEffect, useState } from 'react';
import type { ArxApi } from '../../../shared/contract';
import { callArx, type Result } from '../app/arx-client';
import { toLoadable, type Loadable } from '../app/use-arx-result';

/** One admin.* list, read on mount and again after every change the screen makes (`reload`). */
export function useAdminList<T>(invoke: (arx: ArxApi) => Promise<Result<T>>): [Loadable<T>, () => void] {
  const [state, setState] = useState<Loadable<T>>({ state: 'loading' });
  const [round, setRound] = useState(0);
  useEffect(() => {
    let live = true;
    void callArx(invoke).then((r) => {
      if (live) setState(toLoadable(r));
    });
    return () => {
      live = false;
    };
    // The command is fixed for the component's lifetime; callers pass an inline arrow.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [round]);
  return [state, useCallback(() => setRound((n) => n + 1), [])];
}

/** "2027-03-01": dates of the review and of certificate expiry, in UTC like the audit record. */
export const utcDay = (iso: string | null): string => (iso ? iso.slice(0, 10) : '—');
