import { useEffect } from 'react';
import type { ExplorerFilter } from '../../../../shared/contract/domains/audit-explorer';

/**
 * How the dashboards and the command palette open the explorer filtered to a point, or on one
 * event. Module state, because the Audit tabs unmount hidden panels. The tenant itself is the
 * console's (renderer/src/tenant).
 */
type Listener = () => void;
const listeners = new Set<Listener>();
let pending: { tenant: string; filter: ExplorerFilter; seq: number | null } | null = null;

/** Asks the Audit section to show the explorer with this filter (and this event open), for this tenant. */
export function openInExplorer(tenantId: string, filter: ExplorerFilter, seq: number | null = null): void {
  pending = { tenant: tenantId, filter, seq };
  for (const l of listeners) l();
}

/** What a dashboard or the palette asked for, once, if it was asked for this tenant. */
export function takePending(tenantId: string | null): { filter: ExplorerFilter; seq: number | null } | null {
  const p = pending?.tenant === tenantId ? pending : null;
  pending = null;
  return p;
}

/** For the Audit section (switch to the explorer) and a mounted explorer (apply the request). */
export function useExplorerLinks(onOpen: () => void): void {
  useEffect(() => {
    listeners.add(onOpen);
    return () => {
      listeners.delete(onOpen);
    };
  }, [onOpen]);
}
