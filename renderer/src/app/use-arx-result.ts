import { useEffect, useState } from 'react';
import { callArx, type ArxError, type Result } from './arx-client';
import type { ArxApi } from '../../../shared/contract';

export type Loadable<T> = { state: 'loading' } | { state: 'ok'; value: T } | { state: 'error'; error: ArxError };

export function toLoadable<T>(result: Result<T>): Loadable<T> {
  return result.ok ? { state: 'ok', value: result.value } : { state: 'error', error: result.error };
}

/** Runs one command when the component mounts and tracks its envelope. */
export function useArxResult<T>(invoke: (arx: ArxApi) => Promise<Result<T>>): Loadable<T> {
  const [loadable, setLoadable] = useState<Loadable<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    void callArx(invoke).then((r) => {
      if (live) setLoadable(toLoadable(r));
    });
    return () => {
      live = false;
    };
    // The command is fixed for the component's lifetime; callers pass an inline arrow.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return loadable;
}
