import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, subscribeArx, type ArxError } from '../app/arx-client';

export type PolicyHistory = ResponseOf<'policy.history'>;

type HistoryState = { state: 'loading' } | { state: 'ok'; value: PolicyHistory } | { state: 'error'; error: ArxError };

/** The policy's history, read again on `policy.changed` for it and whenever `reload` is called. */
export function usePolicyHistory(tenantId: string, policyName: string) {
  const [history, setHistory] = useState<HistoryState>({ state: 'loading' });
  const [tick, setTick] = useState(0);

  useEffect(() => {
    let live = true;
    void callArx((arx) => arx.policy.history({ tenantId, policyName })).then((r) => {
      if (live) setHistory(r.ok ? { state: 'ok', value: r.value } : { state: 'error', error: r.error });
    });
    return () => {
      live = false;
    };
  }, [tenantId, policyName, tick]);

  useEffect(
    () =>
      subscribeArx('policy.changed', (p) => {
        if (p.tenantId === tenantId && p.policyName === policyName) setTick((n) => n + 1);
      }),
    [tenantId, policyName],
  );

  return { history, reload: () => setTick((n) => n + 1) };
}
