import type { z } from 'zod';
import type { VerifyTenantSchema } from '../../../shared/contract/domains/audit-verify';
import { useArxResult, type Loadable } from '../app/use-arx-result';
import { useTenant, type TenantRoles } from './tenant-context';

type VerifyTenant = z.infer<typeof VerifyTenantSchema>;

/**
 * The console's tenant as an evidence tenant (audit.tenants: where the operator is ISSO or
 * auditor, with its event counts). `tenant` is null when the header's tenant is not one of them.
 */
export function useEvidenceTenant(): {
  list: Loadable<VerifyTenant[]>;
  current: TenantRoles | null;
  tenant: VerifyTenant | null;
} {
  const list = useArxResult((arx) => arx.audit.tenants({}));
  const { current } = useTenant();
  const tenant = list.state === 'ok' ? (list.value.find((t) => t.id === current?.tenantId) ?? null) : null;
  return { list, current, tenant };
}

/** "You hold no ISSO or auditor role in bravo-finance, so …" */
export function noEvidenceRole(current: TenantRoles | null, what: string): string {
  return `You hold no ISSO or auditor role in ${current?.tenant ?? 'this tenant'}, so ${what}.`;
}
