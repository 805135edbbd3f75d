import { X509Certificate } from '@peculiar/x509';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { adminCommands } from '../../../shared/contract/domains/admin';
import type { adminGatewayKeyCommands } from '../../../shared/contract/domains/admin-gateway-keys';
import type { adminAccessReviewCommands } from '../../../shared/contract/domains/admin-access-review';
import { systemTenantId } from '../controlplane/repos/administration';
import {
  adminActiveCertificates,
  adminCertificates,
  adminGrantRequests,
  adminGrants,
  adminOperators,
  adminTenants,
} from '../controlplane/repos/administration-reads';
import { withTenant } from '../controlplane/tenant-session';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';
import { accessReview } from './access-review';
import { accessReviewHandlers } from './access-review-handlers';
import { Administration, type AdminSigner, type Role } from './admin-steps';
import { enrolmentCard, parseCertificateFile } from './card-certificates';
import { gatewayKeyHandlers } from './gateway-key-handlers';

const TWO_PERSON: readonly string[] = ['isso', 'administrator'];

type CertificateFile = { name: string; base64: string };

type AdminHandlers = DomainHandlers<typeof adminCommands>;
type GatewayKeyHandlers = DomainHandlers<typeof adminGatewayKeyCommands>;
type AccessReviewHandlers = DomainHandlers<typeof adminAccessReviewCommands>;

/** Handlers for shared/contract/domains/admin.ts: the logged-in administrator's own pool and card. */
export function createAdminHandlers(deps: DomainDeps): AdminHandlers & GatewayKeyHandlers & AccessReviewHandlers {
  const ctx = new AdminContext(deps);
  return {
    ...tenantHandlers(ctx),
    ...operatorHandlers(ctx),
    ...grantHandlers(ctx),
    ...accessReviewHandlers(ctx),
    ...gatewayKeyHandlers(ctx),
  };
}

/** What every administration command needs: the pool, the signing card, lookups. */
export class AdminContext {
  constructor(readonly deps: DomainDeps) {}

  pool() {
    return this.deps.controlPlane.requirePool();
  }

  /** The administration steps, signed on the logged-in card for `purpose`. */
  steps(purpose: string, pin: string | null) {
    const op = requireOperator(this.deps.operatorAuth.session());
    const who = this.deps.operatorAuth.eventWriter() ?? {};
    return { op, admin: new Administration(this.pool(), this.signer(op, purpose, pin), who) };
  }

  /** Signs on the logged-in card; the card that signed must be the session's own. */
  signer(op: OperatorSession, purpose: string, pin: string | null): AdminSigner {
    const auth = this.deps.operatorAuth;
    return {
      async signDigest(digest) {
        const sig = await auth.sign(purpose, digest, pin);
        if (sig.operator.operatorId !== op.operatorId)
          throw new ArxFailure('SESSION_OTHER_CARD', 'The card that signed is not the logged-in operator’s.');
        return { signature: sig.signature, certificateSha256: sig.certificateSha256 };
      },
    };
  }

  async operatorById(operatorId: string) {
    const found = (await adminOperators(this.pool())).find((o) => o.operatorId === operatorId);
    if (!found) throw new ArxFailure('NOT_FOUND', `No operator ${operatorId}.`, { path: 'operatorId' });
    return found;
  }

  async review() {
    const p = this.pool();
    const system = await systemTenantId(p);
    if (!system)
      throw new ArxFailure('DB_NOT_CONFIGURED', 'This control plane is not bootstrapped (arx db bootstrap).');
    const { grants, certs } = await withTenant(p, system, async (c) => ({
      grants: await adminGrants(c),
      certs: await adminCertificates(c),
    }));
    return accessReview(grants, certs);
  }

  /** One card's certificate files (as picked), validated now against the configured trust anchors and CRLs. */
  async validatedCard(files: readonly { name: string; base64: string }[]) {
    const certs = files.flatMap((f) => parseCertificateFile(Buffer.from(f.base64, 'base64'), f.name));
    const { policyArcs, staleCrl } = this.deps.config.card;
    return enrolmentCard(certs, this.deps.trustStore(), { policyArcs, staleCrl }, files.map((f) => f.name).join(', '));
  }

  async setActive(operatorId: string, active: boolean, pin: string | null) {
    const target = await this.operatorById(operatorId);
    const { op, admin } = this.steps(`${active ? 'Enable' : 'Disable'} operator ${target.edipi}`, pin);
    await admin.setOperatorActive({ operatorId, edipi: target.edipi, active, by: op.operatorId });
  }
}

function tenantHandlers(
  ctx: AdminContext,
): Pick<AdminHandlers, 'admin.tenantList' | 'admin.tenantCreate' | 'admin.tenantRename'> {
  return {
    'admin.tenantList': async () =>
      (await adminTenants(ctx.pool())).map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })),
    'admin.tenantCreate': async ({ slug, name, pin }) => {
      const { op, admin } = ctx.steps(`Create tenant ${slug}`, pin);
      return { tenantId: await admin.createTenant(slug, name, op.operatorId) };
    },
    'admin.tenantRename': async ({ tenantId, name, pin }) => {
      const { op, admin } = ctx.steps(`Rename tenant to ${name}`, pin);
      await admin.renameTenant(tenantId, name, op.operatorId);
      return { tenantId, name };
    },
  };
}

function operatorHandlers(
  ctx: AdminContext,
): Pick<
  AdminHandlers,
  | 'admin.operatorCheck'
  | 'admin.operatorEnrol'
  | 'admin.operatorReenrol'
  | 'admin.operatorList'
  | 'admin.operatorDisable'
  | 'admin.operatorEnable'
> {
  return {
    'admin.operatorCheck': ({ files, operatorId }) => checkCard(ctx, files, operatorId),
    'admin.operatorEnrol': async ({ files, pin }) => {
      const card = await ctx.validatedCard(files);
      const { op, admin } = ctx.steps(`Enrol operator ${card.edipi}`, pin);
      const operatorId = await admin.enrolOperator(card, op.operatorId);
      return { operatorId, edipi: card.edipi, displayName: card.displayName };
    },
    'admin.operatorReenrol': ({ operatorId, files, pin }) => reenrol(ctx, operatorId, files, pin),
    'admin.operatorList': async () =>
      (await adminOperators(ctx.pool())).map((o) => ({
        ...o,
        createdAt: o.createdAt.toISOString(),
        certificatesExpire: o.certificatesExpire?.toISOString() ?? null,
      })),
    'admin.operatorDisable': async ({ operatorId, pin }) => {
      await ctx.setActive(operatorId, false, pin);
      return { operatorId, status: 'disabled' as const };
    },
    'admin.operatorEnable': async ({ operatorId, pin }) => {
      await ctx.setActive(operatorId, true, pin);
      return { operatorId, status: 'active' as const };
    },
  };
}

/** Files checked as a card; for a re-enrolment also as that operator's new card, with what it retires. */
async function checkCard(ctx: AdminContext, files: readonly CertificateFile[], operatorId: string | undefined) {
  const card = operatorId ? await newCardOf(ctx, operatorId, files) : await ctx.validatedCard(files);
  const shown = (c: { usage: string; sha256: string; subject: string; notAfter: Date }) => ({
    usage: c.usage,
    sha256: c.sha256,
    subject: c.subject,
    notAfter: c.notAfter.toISOString(),
  });
  const preview = { edipi: card.edipi, displayName: card.displayName, certificates: card.certificates.map(shown) };
  if (!operatorId) return preview;
  const inUse = [...(await adminCertificates(ctx.pool())).entries()].filter(
    ([, c]) => c.operatorId === operatorId && !c.retiredAt,
  );
  const replaces = inUse.map(([sha256, c]) => {
    const x = new X509Certificate(new Uint8Array(c.der));
    return shown({ usage: c.usage, sha256, subject: x.subject, notAfter: x.notAfter });
  });
  return { ...preview, replaces };
}

/** The new card of an enrolled operator: validated, and naming the same EDIPI (a card change keeps it). */
async function newCardOf(ctx: AdminContext, operatorId: string, files: readonly CertificateFile[]) {
  const target = await ctx.operatorById(operatorId);
  const card = await ctx.validatedCard(files);
  if (card.edipi !== target.edipi)
    throw new ArxFailure(
      'EDIPI_MISMATCH',
      `The new card names EDIPI ${card.edipi}, not ${target.edipi}: a card change keeps the EDIPI.`,
      { path: 'files', edipi: card.edipi },
    );
  return card;
}

/** A card change: the new card must name the same EDIPI; the old card's certificates are retired. */
async function reenrol(ctx: AdminContext, operatorId: string, files: readonly CertificateFile[], pin: string | null) {
  const card = await newCardOf(ctx, operatorId, files);
  const retired = (await adminActiveCertificates(ctx.pool(), operatorId)).map((c) => c.sha256);
  const { op, admin } = ctx.steps(`Re-enrol operator ${card.edipi} with a new card`, pin);
  await admin.reenrolOperator({ operatorId, card, retired, by: op.operatorId });
  return { operatorId, edipi: card.edipi, displayName: card.displayName, retired };
}

function grantHandlers(
  ctx: AdminContext,
): Pick<AdminHandlers, 'admin.grant' | 'admin.grantRequests' | 'admin.approve' | 'admin.revoke'> {
  return {
    'admin.grant': async ({ tenantId, operatorId, role, pin }) => {
      const target = await ctx.operatorById(operatorId);
      const { op, admin } = ctx.steps(`Grant ${role} to ${target.edipi}`, pin);
      if (TWO_PERSON.includes(role))
        return { state: 'requested' as const, requestId: await admin.requestGrant({ tenantId, operatorId, role }) };
      await admin.grantRole({ tenantId, operatorId, edipi: target.edipi, role, by: op.operatorId });
      return { state: 'granted' as const, requestId: null };
    },
    'admin.grantRequests': async () =>
      (await adminGrantRequests(ctx.pool())).map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() })),
    'admin.approve': async ({ requestId, pin }) => {
      const r = (await adminGrantRequests(ctx.pool())).find((x) => x.requestId === requestId);
      if (!r) throw new ArxFailure('NOT_FOUND', `No pending grant request ${requestId}.`, { path: 'requestId' });
      const { op, admin } = ctx.steps(`Approve ${r.role} for ${r.edipi} in ${r.tenant}`, pin);
      await admin.approveGrant({ ...r, role: r.role as Role, by: op.operatorId });
      return { state: 'granted' as const };
    },
    'admin.revoke': async ({ tenantId, operatorId, role, pin }) => {
      const target = await ctx.operatorById(operatorId);
      const { op, admin } = ctx.steps(`Revoke ${role} from ${target.edipi}`, pin);
      await admin.revokeRole({ tenantId, operatorId, edipi: target.edipi, role, by: op.operatorId });
      return { state: 'revoked' as const };
    },
  };
}
