import { useCallback, useEffect, useRef, useState } from 'react';
import type { VerifyRange, VerifyResult, VerifyStatus } from '../../../../shared/contract/domains/audit-verify';
import { callArx, subscribeArx, type ArxError } from '../../app/arx-client';
import { recordVerification } from './last-verification';

export type VerifyRun =
  | { state: 'idle' }
  | { state: 'running'; status: VerifyStatus; cancelling: boolean }
  | { state: 'done'; result: VerifyResult }
  | { state: 'cancelled'; status: VerifyStatus }
  | { state: 'error'; error: ArxError };

/** One chain verification job in main: start, follow its progress (events and a poll), cancel, fetch the result. */
export function useVerifyRun(operatorId: string | null | undefined) {
  const [run, setRun] = useState<VerifyRun>({ state: 'idle' });
  const jobRef = useRef<string | null>(null);

  const settle = useCallback(
    async (status: VerifyStatus) => {
      if (jobRef.current !== status.jobId) return;
      if (status.state === 'running') {
        setRun((r) => (r.state === 'running' ? { ...r, status } : r));
        return;
      }
      jobRef.current = null;
      if (status.state === 'cancelled') {
        setRun({ state: 'cancelled', status });
        return;
      }
      const res = await callArx((arx) => arx.audit.verifyResult({ jobId: status.jobId }));
      // Home shows the last run per tenant; a whole-chain run or a range, it is what was checked last.
      if (res.ok && operatorId) recordVerification(operatorId, res.value);
      setRun(res.ok ? { state: 'done', result: res.value } : { state: 'error', error: res.error });
    },
    [operatorId],
  );

  // Progress arrives as events; a poll covers a missed one and the end of the job.
  useEffect(() => {
    if (run.state !== 'running') return;
    const off = subscribeArx('audit.verifyProgress', (s) => void settle(s));
    const timer = setInterval(() => {
      const id = jobRef.current;
      if (!id) return;
      void callArx((arx) => arx.audit.verifyStatus({ jobId: id })).then((r) => {
        if (r.ok) void settle(r.value);
      });
    }, 400);
    return () => {
      off();
      clearInterval(timer);
    };
  }, [run.state, settle]);

  const start = async (tenantId: string, range: VerifyRange) => {
    const r = await callArx((arx) => arx.audit.verifyStart({ tenantId, range }));
    if (!r.ok) {
      setRun({ state: 'error', error: r.error });
      return;
    }
    jobRef.current = r.value.jobId;
    setRun({ state: 'running', status: r.value, cancelling: false });
  };

  const cancel = async () => {
    const id = jobRef.current;
    if (!id) return;
    setRun((r) => (r.state === 'running' ? { ...r, cancelling: true } : r));
    const r = await callArx((arx) => arx.audit.verifyCancel({ jobId: id }));
    if (r.ok) await settle(r.value);
    else setRun({ state: 'error', error: r.error });
  };
  return { run, start, cancel };
}
