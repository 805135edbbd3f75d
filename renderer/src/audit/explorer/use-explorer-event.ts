import { useEffect, useState } from 'react';
import type { ExplorerEvent } from '../../../../shared/contract/domains/audit-explorer';
import { checkEvent, type EventCheck } from '../../../../shared/explorer/event-check';
import { callArx, type ArxError } from '../../app/arx-client';

export interface EventAnswer {
  tenantId: string;
  seq: number;
  event?: ExplorerEvent;
  checked?: EventCheck;
  error?: ArxError;
}

/** Loads one event and checks it here, from what main sent; null while the answer for (tenant, seq) is pending. */
export function useExplorerEvent(tenantId: string, seq: number | null): EventAnswer | null {
  const [answer, setAnswer] = useState<EventAnswer | null>(null);
  useEffect(() => {
    if (seq === null) return;
    let live = true;
    void callArx((arx) => arx.explorer.event({ tenantId, seq })).then((r) => {
      // The verdict is computed here, from what main sent, as the user opens the event.
      if (live)
        setAnswer(
          r.ok ? { tenantId, seq, event: r.value, checked: checkEvent(r.value) } : { tenantId, seq, error: r.error },
        );
    });
    return () => {
      live = false;
    };
  }, [tenantId, seq]);
  // An answer for the same seq in another tenant is not this event.
  return answer?.seq === seq && answer.tenantId === tenantId ? answer : null;
}
