import type { ResponseOf } from '../../../../shared/contract';

/** What Home shows of the last verification of a tenant's chain run on this workstation. */
export interface LastVerification {
  at: string;
  verdict: 'intact' | 'broken';
  events: number;
  errors: number;
  warnings: number;
  /** The newest signed checkpoint the run anchored on, and how many events came after it. */
  checkpointIssuedAt: string | null;
  notCheckpointed: number;
  /** The run was answered from the local cache (control plane unreachable). */
  cached: boolean;
}

const key = (operatorId: string, tenantId: string) => `arx.lastVerification.${operatorId}.${tenantId}`;

/** Kept per operator and tenant in local storage: a summary only (counts, verdict, times), never evidence. */
export function recordVerification(operatorId: string, result: ResponseOf<'audit.verifyResult'>): void {
  const last: LastVerification = {
    at: result.finishedAt,
    verdict: result.verdict,
    events: result.counts.events,
    errors: result.counts.errors,
    warnings: result.counts.warnings,
    checkpointIssuedAt: result.checkpoint?.issuedAt ?? null,
    notCheckpointed: result.tail?.count ?? 0,
    cached: !!result.cached,
  };
  try {
    window.localStorage.setItem(key(operatorId, result.tenant.id), JSON.stringify(last));
  } catch {
    // Storage refused: Home then says the chain was not verified here.
  }
}

export function lastVerification(operatorId: string, tenantId: string): LastVerification | null {
  try {
    const raw = window.localStorage.getItem(key(operatorId, tenantId));
    return raw ? (JSON.parse(raw) as LastVerification) : null;
  } catch {
    return null;
  }
}
