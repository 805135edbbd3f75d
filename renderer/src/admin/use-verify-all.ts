import { useEffect, useState } from 'react';
import type { ResponseOf } from '../../../shared/contract';
import { callArx, type ArxError } from '../app/arx-client';

export type VerifyAllStatus = ResponseOf<'admin.accessReviewVerifyStatus'>;

/** The full verification of the access review: start it, follow its progress (a poll), cancel it. */
export function useVerifyAll() {
  const [status, setStatus] = useState<VerifyAllStatus | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const running = status?.state === 'running';
  const jobId = status?.jobId;

  useEffect(() => {
    if (!running || !jobId) return;
    const timer = setInterval(() => {
      void callArx((arx) => arx.admin.accessReviewVerifyStatus({ jobId })).then((r) => {
        if (!r.ok) return setError(r.error);
        setStatus(r.value);
      });
    }, 400);
    return () => clearInterval(timer);
  }, [running, jobId]);

  const start = async () => {
    setError(null);
    const r = await callArx((arx) => arx.admin.accessReviewVerifyStart({}));
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  };
  const cancel = async () => {
    if (!jobId) return;
    const r = await callArx((arx) => arx.admin.accessReviewVerifyCancel({ jobId }));
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  };
  return { status, error, start, cancel };
}
