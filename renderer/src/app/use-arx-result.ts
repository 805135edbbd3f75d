import { useEffect, useState } from 'react';
import { callArx, subscribeArx, type ArxError, type Result } from './arx-client';
import type { ArxApi, EventName } from '../../../shared/contract';

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

/** When a screen that stays open reads a command again (useRefreshingArxResult). */
export interface RefreshOn {
  /** Contract events that say the answer changed. */
  events?: EventName[];
  /** Also when the window gets the focus back or becomes visible. */
  focus?: boolean;
  /** Also every so often while the window is visible (ms). */
  everyMs?: number;
}

/**
 * Like useArxResult, but read again on the given events, on focus and on a timer while the screen
 * stays open. A refresh keeps showing the last answer until the new one arrives; a refresh that
 * fails keeps the last good answer (a first load that fails shows its error).
 */
export function useRefreshingArxResult<T>(invoke: (arx: ArxApi) => Promise<Result<T>>, on: RefreshOn): Loadable<T> {
  const [loadable, setLoadable] = useState<Loadable<T>>({ state: 'loading' });
  useEffect(() => {
    let live = true;
    let inFlight = false;
    let again = false;
    const load = () => {
      if (inFlight) return void (again = true);
      inFlight = true;
      void callArx(invoke).then((r) => {
        inFlight = false;
        if (!live) return;
        setLoadable((prev) => (r.ok || prev.state !== 'ok' ? toLoadable(r) : prev));
        if (again) {
          again = false;
          load();
        }
      });
    };
    load();
    const offs = (on.events ?? []).map((e) => subscribeArx(e, () => load()));
    const visible = () => document.visibilityState === 'visible' && load();
    if (on.focus) {
      window.addEventListener('focus', load);
      document.addEventListener('visibilitychange', visible);
    }
    const timer = on.everyMs
      ? window.setInterval(() => document.visibilityState === 'visible' && load(), on.everyMs)
      : 0;
    return () => {
      live = false;
      for (const off of offs) off();
      window.removeEventListener('focus', load);
      document.removeEventListener('visibilitychange', visible);
      window.clearInterval(timer);
    };
    // The command and triggers are fixed for the component's lifetime; callers pass inline values.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return loadable;
}
