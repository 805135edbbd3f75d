import { useEffect } from 'react';
import type { ExplorerFilter } from '../../../../shared/contract/domains/audit-explorer';

/**
 * How the dashboards open the explorer filtered to a point. Module state, because the Audit tabs
 * unmount hidden panels. The tenant itself is the console's (renderer/src/tenant).
 */
type Listener = () => void;
const listeners = new Set<Listener>();
let pending: ExplorerFilter | null = null;
let tenant: string | null = null;

/** Asks the Audit section to show the explorer with this filter, for this tenant. */
export function openInExplorer(tenantId: string, filter: ExplorerFilter): void {
  tenant = tenantId;
  pending = filter;
  for (const l of listeners) l();
}

/** The filter a dashboard asked for, once, if it was asked for this tenant. */
export function takePendingFilter(tenantId: string | null): ExplorerFilter | null {
  const f = tenant === tenantId ? pending : null;
  pending = null;
  tenant = null;
  return f;
}

/** For the Audit section: switch to the explorer tab when a dashboard point is opened. */
export function useExplorerLinks(onOpen: () => void): void {
  useEffect(() => {
    listeners.add(onOpen);
    return () => {
      listeners.delete(onOpen);
    };
  }, [onOpen]);
}
