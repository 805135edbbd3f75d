import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { adminCommands } from '../../../shared/contract/domains/admin';
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
import { accessReview, accessReviewCsv } from './access-review';
import { Administration, type AdminSigner, type Role } from './admin-steps';
import { enrolmentCard, parseCertificateFile } from './card-certificates';

const TWO_PERSON: readonly string[] = ['isso', 'administrator'];

/** Handlers for shared/contract/domains/admin.ts: the logged-in administrator's own pool and card. */
export function createAdminHandlers(deps: DomainDeps): DomainHandlers<typeof adminCommands> {
  const pool = () => deps.controlPlane.requirePool();
  const operator = (): OperatorSession => requireOperator(deps.operatorAuth.session());

  /** Signs on the logged-in card; the card that signed must be the session's own. */
  const signer = (op: OperatorSession, purpose: string, pin: string | null): AdminSigner => ({
    async signDigest(digest) {
      const sig = await deps.operatorAuth.sign(purpose, digest, pin);
      if (sig.operator.operatorId !== op.operatorId)
        throw new ArxFailure('SESSION_OTHER_CARD', 'The card that signed is not the logged-in operator’s.');
      return { signature: sig.signature, certificateSha256: sig.certificateSha256 };
    },
  });
  const steps = (purpose: string, pin: string | null) => {
    const op = operator();
    const who = deps.operatorAuth.eventWriter() ?? {};
    return { op, admin: new Administration(pool(), signer(op, purpose, pin), who) };
  };

  const operatorById = async (operatorId: string) => {
    const found = (await adminOperators(pool())).find((o) => o.operatorId === operatorId);
    if (!found) throw new ArxFailure('NOT_FOUND', `No operator ${operatorId}.`, { path: 'operatorId' });
    return found;
  };

  const review = async () => {
    const p = pool();
    const system = await systemTenantId(p);
    if (!system)
      throw new ArxFailure('DB_NOT_CONFIGURED', 'This control plane is not bootstrapped (arx db bootstrap).');
    const { grants, certs } = await withTenant(p, system, async (c) => ({
      grants: await adminGrants(c),
      certs: await adminCertificates(c),
    }));
    return accessReview(grants, certs);
  };

  /** One card's certificate files (as picked), validated now against the configured trust anchors and CRLs. */
  const validatedCard = async (files: readonly { name: string; base64: string }[]) => {
    const certs = files.flatMap((f) => parseCertificateFile(Buffer.from(f.base64, 'base64'), f.name));
    const { policyArcs, staleCrl } = deps.config.card;
    return enrolmentCard(certs, deps.trustStore(), { policyArcs, staleCrl }, files.map((f) => f.name).join(', '));
  };

  const setActive = async (operatorId: string, active: boolean, pin: string | null) => {
    const target = await operatorById(operatorId);
    const { op, admin } = steps(`${active ? 'Enable' : 'Disable'} operator ${target.edipi}`, pin);
    await admin.setOperatorActive({ operatorId, edipi: target.edipi, active, by: op.operatorId });
  };

  return {
    'admin.tenantList': async () =>
      (await adminTenants(pool())).map((t) => ({ ...t, createdAt: t.createdAt.toISOString() })),
    'admin.tenantCreate': async ({ slug, name, pin }) => {
      const { op, admin } = steps(`Create tenant ${slug}`, pin);
      return { tenantId: await admin.createTenant(slug, name, op.operatorId) };
    },
    'admin.tenantRename': async ({ tenantId, name, pin }) => {
      const { op, admin } = steps(`Rename tenant to ${name}`, pin);
      await admin.renameTenant(tenantId, name, op.operatorId);
      return { tenantId, name };
    },
    'admin.operatorCheck': async ({ files }) => {
      const card = await validatedCard(files);
      return {
        edipi: card.edipi,
        displayName: card.displayName,
        certificates: card.certificates.map((c) => ({
          usage: c.usage,
          sha256: c.sha256,
          subject: c.subject,
          notAfter: c.notAfter.toISOString(),
        })),
      };
    },
    'admin.operatorEnrol': async ({ files, pin }) => {
      const card = await validatedCard(files);
      const { op, admin } = steps(`Enrol operator ${card.edipi}`, pin);
      const operatorId = await admin.enrolOperator(card, op.operatorId);
      return { operatorId, edipi: card.edipi, displayName: card.displayName };
    },
    'admin.operatorReenrol': async ({ operatorId, files, pin }) => {
      const target = await operatorById(operatorId);
      const card = await validatedCard(files);
      if (card.edipi !== target.edipi)
        throw new ArxFailure(
          'EDIPI_MISMATCH',
          `The new card names EDIPI ${card.edipi}, not ${target.edipi}: a card change keeps the EDIPI.`,
          { path: 'files', edipi: card.edipi },
        );
      const retired = (await adminActiveCertificates(pool(), operatorId)).map((c) => c.sha256);
      const { op, admin } = steps(`Re-enrol operator ${card.edipi} with a new card`, pin);
      await admin.reenrolOperator({ operatorId, card, retired, by: op.operatorId });
      return { operatorId, edipi: card.edipi, displayName: card.displayName, retired };
    },
    'admin.operatorList': async () =>
      (await adminOperators(pool())).map((o) => ({
        ...o,
        createdAt: o.createdAt.toISOString(),
        certificatesExpire: o.certificatesExpire?.toISOString() ?? null,
      })),
    'admin.operatorDisable': async ({ operatorId, pin }) => {
      await setActive(operatorId, false, pin);
      return { operatorId, status: 'disabled' as const };
    },
    'admin.operatorEnable': async ({ operatorId, pin }) => {
      await setActive(operatorId, true, pin);
      return { operatorId, status: 'active' as const };
    },
    'admin.grant': async ({ tenantId, operatorId, role, pin }) => {
      const target = await operatorById(operatorId);
      const { op, admin } = steps(`Grant ${role} to ${target.edipi}`, pin);
      if (TWO_PERSON.includes(role))
        return { state: 'requested' as const, requestId: await admin.requestGrant({ tenantId, operatorId, role }) };
      await admin.grantRole({ tenantId, operatorId, edipi: target.edipi, role, by: op.operatorId });
      return { state: 'granted' as const, requestId: null };
    },
    'admin.grantRequests': async () =>
      (await adminGrantRequests(pool())).map((r) => ({ ...r, requestedAt: r.requestedAt.toISOString() })),
    'admin.approve': async ({ requestId, pin }) => {
      const r = (await adminGrantRequests(pool())).find((x) => x.requestId === requestId);
      if (!r) throw new ArxFailure('NOT_FOUND', `No pending grant request ${requestId}.`, { path: 'requestId' });
      const { op, admin } = steps(`Approve ${r.role} for ${r.edipi} in ${r.tenant}`, pin);
      await admin.approveGrant({ ...r, role: r.role as Role, by: op.operatorId });
      return { state: 'granted' as const };
    },
    'admin.revoke': async ({ tenantId, operatorId, role, pin }) => {
      const target = await operatorById(operatorId);
      const { op, admin } = steps(`Revoke ${role} from ${target.edipi}`, pin);
      await admin.revokeRole({ tenantId, operatorId, edipi: target.edipi, role, by: op.operatorId });
      return { state: 'revoked' as const };
    },
    'admin.accessReview': review,
    'admin.accessReviewCsv': async () => ({ csv: accessReviewCsv(await review()) }),
    'admin.accessReviewExport': async () => {
      const entries = await review();
      const csv = accessReviewCsv(entries);
      const dir = join(deps.config.dataDir, 'exports');
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      const path = join(dir, `access-review-${new Date().toISOString().replace(/[:.]/g, '-')}.csv`);
      writeFileSync(path, csv, { mode: 0o600, flag: 'wx' });
      return { path, rows: entries.length, sha256: createHash('sha256').update(csv).digest('hex') };
    },
  };
}
