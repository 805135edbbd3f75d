/**
 * The test cards' operators in the control plane: their certificates, role grants and database
 * logins wrapped to each card's key-management key.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type pg from 'pg';
import type { TestCertUsage } from '../pki/test-pki';
import { allTenantIds } from '../controlplane/repos/tenants';
import { grantRoles, operatorIdByEdipi, replaceCertificates, upsertOperator } from '../controlplane/repos/operators';
import type { Queryable } from '../controlplane/repos/queryable';
import { enrolOrRotateOperatorLogin, hasOperatorLogin, operatorRoleName } from '../controlplane/repos/operator-logins';
import { prepareOperatorLogin } from '../crypto/operator-login-wrap';
import { inTransaction, withTenant } from '../controlplane/tenant-session';
import type { ProvisionedCard, ProvisionedTestCards } from './test-card-specs';

const USAGE_COLUMN: Record<TestCertUsage, string> = {
  'piv-auth': 'piv-auth',
  signature: 'signature',
  'key-management': 'key-management',
  'card-auth': 'card-auth',
};

export interface RegisteredOperators {
  operators: number;
  /** Operators given a login role with its password wrapped to their card's 9D key. */
  logins: number;
  certificates: number;
  grants: number;
  tenants: string[];
}

/**
 * Registers the test cards' operators, their certificates and role grants. Re-provisioning
 * replaces an operator's certificates (the keys are new) and re-wraps a fresh database password
 * to the new key-management key. Runs as the control-plane owner (CREATEROLE).
 */
export async function registerTestOperators(
  admin: pg.Pool,
  provisioned: ProvisionedTestCards,
  tenantIds?: readonly string[],
): Promise<RegisteredOperators> {
  const tenants = tenantIds ?? (await allTenantIds(admin));
  const enrolled = provisioned.cards.filter((c) => c.enrol !== false);
  let logins = 0;
  const operatorIds = await inTransaction(admin, async (client) => {
    const ids: string[] = [];
    for (const card of enrolled) {
      const operatorId = await upsertOperator(client, randomUUID(), card.edipi, card.displayName);
      await replaceCertificates(
        client,
        operatorId,
        card.certificates.map((c) => ({
          sha256: c.sha256,
          usage: USAGE_COLUMN[c.usage],
          subject: c.subject,
          notAfter: c.notAfter,
          der: readFileSync(c.file),
        })),
      );
      ids.push(operatorId);
      if (await enrolTestLogin(client, operatorId, card)) logins++;
    }
    return ids;
  });
  let grants = 0;
  // role_grants is under forced row-level security: one transaction per tenant (re-running adds what is missing).
  for (const tenantId of tenants) {
    grants += await withTenant(admin, tenantId, async (client) => {
      let added = 0;
      for (const [i, card] of enrolled.entries())
        added += await grantRoles(client, tenantId, operatorIds[i]!, card.roles);
      return added;
    });
  }
  const certificates = enrolled.reduce((n, card) => n + card.certificates.length, 0);
  return { operators: enrolled.length, logins, certificates, grants, tenants: [...tenants] };
}

/** A fresh database login for the card's operator, wrapped to its key-management certificate. */
async function enrolTestLogin(admin: Queryable, operatorId: string, card: ProvisionedCard): Promise<boolean> {
  const km = card.certificates.find((c) => c.usage === 'key-management');
  if (!km) return false;
  const prepared = prepareOperatorLogin(operatorRoleName(operatorId), readFileSync(km.file));
  await enrolOrRotateOperatorLogin(admin, { operatorId, ...prepared });
  return true;
}

/**
 * Enrols the database login of every test-card operator that has none yet (a demo data directory
 * provisioned before operators had their own logins); returns how many were enrolled.
 */
export async function enrolMissingTestLogins(admin: pg.Pool, provisioned: ProvisionedTestCards): Promise<number> {
  return inTransaction(admin, async (client) => {
    let n = 0;
    for (const card of provisioned.cards) {
      const id = await operatorIdByEdipi(client, card.edipi);
      if (!id) continue;
      if (!(await hasOperatorLogin(client, id)) && (await enrolTestLogin(client, id, card))) n++;
    }
    return n;
  });
}
