import { useCallback, useEffect, useRef, useState } from 'react';
import type { ReverifyResult, ReverifyStatus } from '../../../../shared/contract/domains/review';
import { callArx, subscribeArx, type ArxError } from '../../app/arx-client';

export type ReverifyRun =
  | { state: 'idle' }
  | { state: 'running'; status: ReverifyStatus }
  | { state: 'done'; result: ReverifyResult }
  | { state: 'cancelled' }
  | { state: 'error'; error: ArxError };

/** One re-verification job in main: start, follow its progress (events and a poll), cancel, fetch the result. */
export function useReverifyRun() {
  const [run, setRun] = useState<ReverifyRun>({ state: 'idle' });
  const jobRef = useRef<string | null>(null);

  const settle = useCallback(async (s: ReverifyStatus) => {
    if (jobRef.current !== s.jobId) return;
    if (s.state === 'running') {
      setRun({ state: 'running', status: s });
      return;
    }
    jobRef.current = null;
    if (s.state === 'cancelled') return setRun({ state: 'cancelled' });
    const r = await callArx((arx) => arx.decisions.reverifyResult({ jobId: s.jobId }));
    setRun(r.ok ? { state: 'done', result: r.value } : { state: 'error', error: r.error });
  }, []);

  useEffect(() => {
    if (run.state !== 'running') return;
    const off = subscribeArx('decisions.reverifyProgress', (s) => void settle(s));
    const timer = setInterval(() => {
      const id = jobRef.current;
      if (id)
        void callArx((arx) => arx.decisions.reverifyStatus({ jobId: id })).then((r) => r.ok && void settle(r.value));
    }, 400);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [run.state, settle]);

  const start = async (tenantId: string, fromSeq: number | null, toSeq: number | null) => {
    const r = await callArx((arx) => arx.decisions.reverifyStart({ tenantId, fromSeq, toSeq }));
    if (!r.ok) return setRun({ state: 'error', error: r.error });
    jobRef.current = r.value.jobId;
    setRun({ state: 'running', status: r.value });
  };
  const cancel = async () => {
    const id = jobRef.current;
    if (!id) return;
    const r = await callArx((arx) => arx.decisions.reverifyCancel({ jobId: id }));
    jobRef.current = null;
    setRun(r.ok ? { state: 'cancelled' } : { state: 'error', error: r.error });
  };
  return { run, start, cancel };
}
