import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import type { OperatorSession } from '../../../shared/contract';

/** A tenant the operator holds at least one role in, with those roles. */
export interface TenantRoles {
  tenantId: string;
  /** The tenant's slug, as the session names it. */
  tenant: string;
  roles: string[];
}

interface TenantContextValue {
  /** The logged-in operator (what per-operator memories are keyed by). */
  operatorId: string | null;
  tenants: TenantRoles[];
  current: TenantRoles | null;
  select: (tenantId: string) => void;
  /** Why the tenant cannot change right now (e.g. a verification is running), or null. */
  lockedBecause: string | null;
  setLock: (reason: string | null) => void;
}

const TenantContext = createContext<TenantContextValue>({
  operatorId: null,
  tenants: [],
  current: null,
  select: () => {},
  lockedBecause: null,
  setLock: () => {},
});

export function tenantsOf(session: OperatorSession | null): TenantRoles[] {
  if (!session) return [];
  const by = new Map<string, TenantRoles>();
  for (const r of session.roles) {
    const t = by.get(r.tenantId) ?? { tenantId: r.tenantId, tenant: r.tenant, roles: [] };
    if (!t.roles.includes(r.role)) t.roles.push(r.role);
    by.set(r.tenantId, t);
  }
  return [...by.values()].sort((a, b) => a.tenant.localeCompare(b.tenant));
}

const storageKey = (operatorId: string) => `arx.tenant.${operatorId}`;

function recall(operatorId: string): string | null {
  try {
    return window.localStorage.getItem(storageKey(operatorId));
  } catch {
    return null;
  }
}

function remember(operatorId: string, tenantId: string): void {
  try {
    window.localStorage.setItem(storageKey(operatorId), tenantId);
  } catch {
    // Storage refused (e.g. a locked-down profile): the choice lasts for this window only.
  }
}

/** The console's tenant context for the logged-in operator: remembered per operator, one for every screen. */
export function TenantProvider({ session, children }: { session: OperatorSession; children: ReactNode }) {
  const tenants = useMemo(() => tenantsOf(session), [session]);
  const [chosen, setChosen] = useState<string | null>(() => recall(session.operatorId));
  const [lockedBecause, setLock] = useState<string | null>(null);
  const current = tenants.find((t) => t.tenantId === chosen) ?? tenants[0] ?? null;
  const select = useCallback(
    (tenantId: string) => {
      setChosen(tenantId);
      remember(session.operatorId, tenantId);
    },
    [session.operatorId],
  );
  const value = useMemo(
    () => ({ operatorId: session.operatorId, tenants, current, select, lockedBecause, setLock }),
    [session.operatorId, tenants, current, select, lockedBecause],
  );
  return <TenantContext.Provider value={value}>{children}</TenantContext.Provider>;
}

export function useTenant(): TenantContextValue {
  return useContext(TenantContext);
}

/** Keeps the header's tenant fixed while `reason` is set (work that must finish in one tenant). */
export function useTenantLock(reason: string | null): void {
  const { setLock } = useTenant();
  useEffect(() => {
    setLock(reason);
    return () => setLock(null);
  }, [reason, setLock]);
}
