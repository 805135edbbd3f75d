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

export interface BootstrapReport {
  systemTenant: { id: string; slug: string };
  administrators: { operatorId: string; edipi: string; displayName: string; loginRole: string }[];
}

export const SYSTEM_TENANT_SLUG = 'control-plane';
const SOURCE = '/arx/console/administration';

/**
 * The first administrators of an empty control plane, enrolled by the DBA from their card
 * certificates (already validated): operator, certificates, login role, and the administrator role
 * in the system tenant, whose chain records each step. One transaction; refused with
 * DB_ALREADY_BOOTSTRAPPED when any administrator exists.
 */
export async function bootstrapControlPlane(
  admin: pg.Pool,
  cards: readonly EnrolmentCard[],
  enrolLogin: LoginEnroller,
): Promise<BootstrapReport> {
  if (cards.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Name at least one --admin-cert.');
  if (new Set(cards.map((c) => c.edipi)).size !== cards.length)
    throw new ArxFailure('INVALID_REQUEST', 'Two --admin-cert files name the same person.');
  const tenantId = (await systemTenant(admin)) ?? randomUUID();
  return withTenant(admin, tenantId, async (c) => {
    await c.query(`SELECT pg_advisory_xact_lock(hashtextextended('arx-bootstrap', 7))`);
    if ((await administratorCount(c)) > 0)
      throw new ArxFailure(
        'DB_ALREADY_BOOTSTRAPPED',
        'This control plane already has an administrator: enrol further ones with `arx admin operator enrol` and a grant approved by two administrators.',
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
    const administrators: BootstrapReport['administrators'] = [];
    for (const card of cards) {
      const operatorId = randomUUID();
      if (!(await insertOperator(c, operatorId, card.edipi, card.displayName)))
        throw new ArxFailure('OPERATOR_ALREADY_ENROLLED', `An operator with EDIPI ${card.edipi} is already enrolled.`, {
          edipi: card.edipi,
        });
      await replaceCertificates(c, operatorId, card.certificates);
      const loginRole = await enrolLogin(c, operatorId, card.keyManagement.der);
      await insertGrant(c, { tenantId, operatorId, role: 'administrator', grantedBy: null, approvedBy: null });
      administrators.push({ operatorId, edipi: card.edipi, displayName: card.displayName, loginRole });
      events.push(enrolledEvent(operatorId, card), {
        type: 'com.arx.role.granted',
        subject: operatorId,
        data: { operatorId, edipi: card.edipi, role: 'administrator', by: null, approvedBy: null },
      });
    }
    await new ChainWriter(admin, tenantId, { source: SOURCE }).appendIn(c, events);
    return { systemTenant: { id: tenantId, slug: SYSTEM_TENANT_SLUG }, administrators };
  });
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

/**
 * Operators enrolled by the DBA from their card certificates (already validated): operator,
 * certificates, login role, each recorded as operator.enrolled in the system tenant's chain. No
 * role is granted here: grants are the administrators' (card-signed, two-person where it applies).
 */
export async function enrolOperators(
  admin: pg.Pool,
  cards: readonly EnrolmentCard[],
  enrolLogin: LoginEnroller,
): Promise<BootstrapReport['administrators']> {
  const tenantId = await systemTenant(admin);
  if (!tenantId)
    throw new ArxFailure('DB_NOT_CONFIGURED', 'This control plane is not bootstrapped (arx db bootstrap).');
  return withTenant(admin, tenantId, async (c) => {
    const out: BootstrapReport['administrators'] = [];
    for (const card of cards) {
      const operatorId = randomUUID();
      if (!(await insertOperator(c, operatorId, card.edipi, card.displayName)))
        throw new ArxFailure('OPERATOR_ALREADY_ENROLLED', `An operator with EDIPI ${card.edipi} is already enrolled.`, {
          edipi: card.edipi,
        });
      await replaceCertificates(c, operatorId, card.certificates);
      const loginRole = await enrolLogin(c, operatorId, card.keyManagement.der);
      out.push({ operatorId, edipi: card.edipi, displayName: card.displayName, loginRole });
    }
    await new ChainWriter(admin, tenantId, { source: SOURCE }).appendIn(
      c,
      out.map((o, i) => enrolledEvent(o.operatorId, cards[i]!)),
    );
    return out;
  });
}
