import type { z } from 'zod';
import type { VerifyTenantSchema } from '../../../shared/contract/domains/audit-verify';
import { useRefreshingArxResult, type Loadable } from '../app/use-arx-result';
import { useTenant, type TenantRoles } from './tenant-context';

type VerifyTenant = z.infer<typeof VerifyTenantSchema>;

/** How often an open evidence screen reads the tenants' checkpoint coverage again. */
export const CHECKPOINT_REFRESH_MS = 30_000;

/**
 * The console's tenant as an evidence tenant (audit.tenants: where the operator is ISSO or
 * auditor, with its event counts). `tenant` is null when the header's tenant is not one of them.
 */
export function useEvidenceTenant(): {
  list: Loadable<VerifyTenant[]>;
  current: TenantRoles | null;
  tenant: VerifyTenant | null;
} {
  // What the newest checkpoint covers changes while a screen stays open (Export, Sign a review):
  // read again when the console's own gateway signs one, on focus, and every 30 s (another gateway).
  const list = useRefreshingArxResult((arx) => arx.audit.tenants({}), {
    events: ['audit.checkpointed'],
    focus: true,
    everyMs: CHECKPOINT_REFRESH_MS,
  });
  const { current } = useTenant();
  const tenant = list.state === 'ok' ? (list.value.find((t) => t.id === current?.tenantId) ?? null) : null;
  return { list, current, tenant };
}

/** "You hold no ISSO or auditor role in bravo-finance, so …" */
export function noEvidenceRole(current: TenantRoles | null, what: string): string {
  return `You hold no ISSO or auditor role in ${current?.tenant ?? 'this tenant'}, so ${what}.`;
}
