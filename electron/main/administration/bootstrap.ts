import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { ChainWriter, type NewEvent } from '../controlplane/chain-writer';
import {
  administratorCount,
  insertGrant,
  insertOperator,
  insertTenant,
  recordBootstrap,
  systemTenant,
} from '../controlplane/repos/administration';
import { replaceCertificates } from '../controlplane/repos/operators';
import type { Queryable } from '../controlplane/repos/queryable';
import { withTenant } from '../controlplane/tenant-session';
import type { EnrolmentCard } from './card-certificates';

/**
 * Creates an operator's database login, its password wrapped to the Key Management certificate's
 * key; returns the login role. Runs in the enrolment's transaction with the DBA's rights.
 */
export type LoginEnroller = (admin: Queryable, operatorId: string, keyManagementDer: Uint8Array) => Promise<string>;

export const SYSTEM_TENANT_SLUG = 'control-plane';
const SOURCE = '/arx/console/administration';

/** Who the bootstrap enrolled: the administrators, and the operators enrolled with no role. */
export interface BootstrapReport {
  systemTenant: { id: string; slug: string };
  administrators: EnrolledOperator[];
  operators: EnrolledOperator[];
}

export interface EnrolledOperator {
  operatorId: string;
  edipi: string;
  displayName: string;
  loginRole: string;
}

/**
 * The first administrators of an empty control plane, enrolled by the DBA from their card
 * certificates (already validated): operator, certificates, login role, and the administrator role
 * in the system tenant, whose chain records each step; then, with no role, the further `operators`
 * named. All in one transaction and one append: the only unsigned records the system chain accepts
 * (chain-format.md §8.2), so the DBA enrols nobody after it. Refused with DB_ALREADY_BOOTSTRAPPED
 * when any administrator exists.
 */
export async function bootstrapControlPlane(
  admin: pg.Pool,
  cards: readonly EnrolmentCard[],
  enrolLogin: LoginEnroller,
  operators: readonly EnrolmentCard[] = [],
): Promise<BootstrapReport> {
  if (cards.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Name at least one --admin-cert.');
  if (new Set([...cards, ...operators].map((c) => c.edipi)).size !== cards.length + operators.length)
    throw new ArxFailure('INVALID_REQUEST', 'Two certificate files name the same person.');
  const tenantId = (await systemTenant(admin)) ?? randomUUID();
  return withTenant(admin, tenantId, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('arx-bootstrap', 7))`);
    if ((await administratorCount(c)) > 0)
      throw new ArxFailure(
        'DB_ALREADY_BOOTSTRAPPED',
        'This control plane already has an administrator: enrol further operators with `arx admin enrol` (card-signed) and grant roles with `arx admin role grant`.',
      );
    const events: NewEvent[] = [];
    if ((await systemTenant(c)) === null) {
      await insertTenant(c, tenantId, SYSTEM_TENANT_SLUG, 'Control plane');
      await recordBootstrap(c, tenantId);
      events.push({
        type: 'com.arx.tenant.created',
        data: { tenantId, slug: SYSTEM_TENANT_SLUG, name: 'Control plane', by: null },
      });
    }
    const administrators: EnrolledOperator[] = [];
    for (const card of cards) {
      const o = await enrolOne(c, card, enrolLogin);
      await insertGrant(c, {
        tenantId,
        operatorId: o.operatorId,
        role: 'administrator',
        grantedBy: null,
        approvedBy: null,
      });
      administrators.push(o);
      events.push(enrolledEvent(o.operatorId, card), {
        type: 'com.arx.role.granted',
        subject: o.operatorId,
        data: { operatorId: o.operatorId, edipi: card.edipi, role: 'administrator', by: null, approvedBy: null },
      });
    }
    const enrolled: EnrolledOperator[] = [];
    for (const card of operators) {
      const o = await enrolOne(c, card, enrolLogin);
      enrolled.push(o);
      events.push(enrolledEvent(o.operatorId, card));
    }
    await new ChainWriter(admin, tenantId, { source: SOURCE }).appendIn(c, events);
    return { systemTenant: { id: tenantId, slug: SYSTEM_TENANT_SLUG }, administrators, operators: enrolled };
  });
}

/** One card holder: operator, certificates and login role (no grant, no event). */
async function enrolOne(c: Queryable, card: EnrolmentCard, enrolLogin: LoginEnroller): Promise<EnrolledOperator> {
  const operatorId = randomUUID();
  if (!(await insertOperator(c, operatorId, card.edipi, card.displayName)))
    throw new ArxFailure('OPERATOR_ALREADY_ENROLLED', `An operator with EDIPI ${card.edipi} is already enrolled.`, {
      edipi: card.edipi,
    });
  await replaceCertificates(c, operatorId, card.certificates);
  const loginRole = await enrolLogin(c, operatorId, card.keyManagement.der);
  return { operatorId, edipi: card.edipi, displayName: card.displayName, loginRole };
}

/**
 * Makes operators already enrolled (with their certificates and logins) the first administrators
 * of a control plane that has none: the system tenant, and the administrator role in it, recorded
 * in its chain as at bootstrap. The demo seeding's path; a real deployment uses the certificate files.
 */
export async function designateAdministrators(
  admin: pg.Pool,
  operators: readonly { operatorId: string; edipi: string }[],
): Promise<string> {
  if ((await systemTenant(admin)) !== null)
    throw new ArxFailure('DB_ALREADY_BOOTSTRAPPED', 'This control plane already has its system tenant.');
  const tenantId = randomUUID();
  return withTenant(admin, tenantId, async (c) => {
    await insertTenant(c, tenantId, SYSTEM_TENANT_SLUG, 'Control plane');
    await recordBootstrap(c, tenantId);
    const events: NewEvent[] = [
      { type: 'com.arx.tenant.created', data: { tenantId, slug: SYSTEM_TENANT_SLUG, name: 'Control plane', by: null } },
    ];
    for (const o of operators) {
      await insertGrant(c, {
        tenantId,
        operatorId: o.operatorId,
        role: 'administrator',
        grantedBy: null,
        approvedBy: null,
      });
      events.push({
        type: 'com.arx.role.granted',
        subject: o.operatorId,
        data: { operatorId: o.operatorId, edipi: o.edipi, role: 'administrator', by: null, approvedBy: null },
      });
    }
    await new ChainWriter(admin, tenantId, { source: SOURCE }).appendIn(c, events);
    return tenantId;
  });
}

export function enrolledEvent(operatorId: string, card: EnrolmentCard, by: string | null = null): NewEvent {
  return {
    type: 'com.arx.operator.enrolled',
    subject: operatorId,
    data: {
      operatorId,
      edipi: card.edipi,
      displayName: card.displayName,
      certificates: card.certificates.map((x) => ({
        usage: x.usage,
        sha256: x.sha256,
        notAfter: x.notAfter.toISOString(),
      })),
      by,
    },
  };
}
