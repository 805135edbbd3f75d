import { createHash, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { nobleBlake3 } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import { envelopeOf, pae, type DsseEnvelope } from '../../../shared/dsse';
import { prepareRows, prepareSignedRows, type NewEvent, type WriterIdentity } from '../controlplane/chain-writer';
import {
  adminChainHead,
  callAdminFunction,
  systemTenantId,
  type AdminFunction,
} from '../controlplane/repos/administration';
import { expectedWriter, lockChain } from '../controlplane/repos/events';
import { operatorRoleName } from '../controlplane/repos/operator-logins';
import { withTenant } from '../controlplane/tenant-session';
import { prepareOperatorLogin } from '../crypto/operator-login-wrap';
import { ADMIN_PAYLOAD_TYPE } from '../pki/grant-signatures';
import { enrolledEvent } from './bootstrap';
import type { EnrolmentCard } from './card-certificates';

export { ADMIN_PAYLOAD_TYPE };
const SOURCE = '/arx/console/administration';

/** The acting administrator's card: a signature over a SHA-256 digest and the Digital Signature certificate that made it. */
export interface AdminSigner {
  signDigest(digest: Uint8Array): Promise<{ signature: Uint8Array; certificateSha256: string }>;
}

export type Role = 'policy-author' | 'approver' | 'isso' | 'auditor' | 'administrator';

/**
 * Administration steps as the logged-in administrator (their own operator pool): each signs its
 * statement on the card and calls its definer function with the one event that records it, in
 * one transaction opened for the tenant whose chain gets the event. The database decides.
 */
export class Administration {
  constructor(
    private readonly pool: pg.Pool,
    private readonly signer: AdminSigner,
    /** The writer the events name and its card signer (OperatorAuth.eventWriter; docs/chain-format.md §8). */
    private readonly who: WriterIdentity = {},
  ) {}

  private async sign(statement: Record<string, unknown>): Promise<{ envelope: DsseEnvelope; cert: Buffer }> {
    const payload = new TextEncoder().encode(JSON.stringify(statement));
    const digest = createHash('sha256').update(pae(ADMIN_PAYLOAD_TYPE, payload)).digest();
    const { signature, certificateSha256 } = await this.signer.signDigest(new Uint8Array(digest));
    const envelope = envelopeOf(ADMIN_PAYLOAD_TYPE, payload, [{ keyid: certificateSha256, sig: signature }]);
    return { envelope, cert: Buffer.from(certificateSha256, 'hex') };
  }

  protected async step(
    tenantId: string,
    fn: AdminFunction,
    args: (envelope: DsseEnvelope, cert: Buffer) => unknown[],
    statement: Record<string, unknown>,
    event: NewEvent | null,
  ): Promise<void> {
    const { envelope, cert } = await this.sign(statement);
    await withTenant(this.pool, tenantId, async (c) => {
      let rows = null;
      if (event) {
        await lockChain(c, tenantId);
        const head = await adminChainHead(c, tenantId);
        const at = { tenantId, source: SOURCE, writer: this.who.writer ?? (await expectedWriter(c)) };
        const next = head && { seq: head.seq + 1, prevHash: new Uint8Array(head.chainHash) };
        const signer = this.who.signer;
        const prepared = signer
          ? await prepareSignedRows(nobleBlake3, { ...at, signer }, next, [event])
          : prepareRows(nobleBlake3, at, next, [event]);
        rows = { ...prepared, seqs: prepared.seqs.map(String) };
      }
      await callAdminFunction(c, fn, args(envelope, cert), rows);
    });
  }

  private async systemTenant(): Promise<string> {
    const t = await systemTenantId(this.pool);
    if (!t) throw new ArxFailure('DB_NOT_CONFIGURED', 'This control plane is not bootstrapped (arx db bootstrap).');
    return t;
  }

  async createTenant(slug: string, name: string, by: string): Promise<string> {
    const tenantId = randomUUID();
    const statement = { action: 'tenant.create', tenantId, slug, name };
    await this.step(await this.systemTenant(), 'create_tenant', (e, c) => [tenantId, slug, name, c, e], statement, {
      type: 'com.arx.tenant.created',
      data: { tenantId, slug, name, by },
    });
    return tenantId;
  }

  async renameTenant(tenantId: string, name: string, by: string): Promise<void> {
    const statement = { action: 'tenant.rename', tenantId, name };
    await this.step(await this.systemTenant(), 'rename_tenant', (e, c) => [tenantId, name, c, e], statement, {
      type: 'com.arx.tenant.renamed',
      data: { tenantId, name, by },
    });
  }

  /**
   * Enrols a card holder from their validated certificates: a new operator, its login role and a
   * random password that leaves this call only as a SCRAM verifier and a wrap to the card's key.
   */
  async enrolOperator(card: EnrolmentCard, by: string): Promise<string> {
    const operatorId = randomUUID();
    const certs = card.certificates;
    const statement = {
      action: 'operator.enrol',
      operatorId,
      edipi: card.edipi,
      displayName: card.displayName,
      certificates: certs.map((c) => c.sha256),
    };
    const login = prepareOperatorLogin(operatorRoleName(operatorId), card.keyManagement.der);
    const args = (e: DsseEnvelope, c: Buffer) => [
      operatorId,
      card.edipi,
      card.displayName,
      certs.map((x) => x.usage),
      certs.map((x) => x.subject),
      certs.map((x) => x.notAfter),
      certs.map((x) => Buffer.from(x.der)),
      login.scramVerifier,
      Buffer.from(login.wrap),
      c,
      e,
    ];
    await this.step(await this.systemTenant(), 'enrol_operator', args, statement, enrolledEvent(operatorId, card, by));
    return operatorId;
  }

  /**
   * Re-enrols an operator after a card change (same EDIPI): the new card's certificates, a new
   * random password wrapped to its Key Management key, and every certificate in use until now
   * (`retired`, as the database lists them) retired for login and signatures.
   */
  async reenrolOperator(o: {
    operatorId: string;
    card: EnrolmentCard;
    retired: readonly string[];
    by: string;
    /** Makes the new credential (a test passes one that also keeps the password). */
    prepareLogin?: typeof prepareOperatorLogin;
  }) {
    const { operatorId, card } = o;
    const certs = card.certificates;
    const statement = {
      action: 'operator.reenrol',
      operatorId,
      edipi: card.edipi,
      certificates: certs.map((c) => c.sha256),
      retired: [...o.retired],
    };
    const login = (o.prepareLogin ?? prepareOperatorLogin)(operatorRoleName(operatorId), card.keyManagement.der);
    const args = (e: DsseEnvelope, c: Buffer) => [
      operatorId,
      card.edipi,
      certs.map((x) => x.usage),
      certs.map((x) => x.subject),
      certs.map((x) => x.notAfter),
      certs.map((x) => Buffer.from(x.der)),
      login.scramVerifier,
      Buffer.from(login.wrap),
      c,
      e,
    ];
    const event: NewEvent = {
      type: 'com.arx.operator.reenrolled',
      subject: operatorId,
      data: {
        operatorId,
        edipi: card.edipi,
        certificates: certs.map((x) => ({ usage: x.usage, sha256: x.sha256, notAfter: x.notAfter.toISOString() })),
        retired: [...o.retired],
        by: o.by,
      },
    };
    await this.step(await this.systemTenant(), 'reenrol_operator', args, statement, event);
  }

  /** A role that needs no second administrator (not isso, not administrator). */
  async grantRole(g: { tenantId: string; operatorId: string; edipi: string; role: Role; by: string }): Promise<void> {
    const statement = { action: 'role.grant', tenantId: g.tenantId, operatorId: g.operatorId, role: g.role };
    await this.step(g.tenantId, 'grant_role', (e, c) => [g.tenantId, g.operatorId, g.role, c, e], statement, {
      type: 'com.arx.role.granted',
      subject: g.operatorId,
      data: { operatorId: g.operatorId, edipi: g.edipi, role: g.role, by: g.by, approvedBy: null },
    });
  }

  /** isso or administrator, step one; returns the request a second administrator approves. */
  async requestGrant(g: { tenantId: string; operatorId: string; role: Role }): Promise<string> {
    const requestId = randomUUID();
    const statement = { action: 'role.grant', requestId, tenantId: g.tenantId, operatorId: g.operatorId, role: g.role };
    const args = (e: DsseEnvelope, c: Buffer) => [requestId, g.tenantId, g.operatorId, g.role, c, e];
    await this.step(g.tenantId, 'request_role_grant', args, statement, null);
    return requestId;
  }

  async approveGrant(r: {
    requestId: string;
    tenantId: string;
    operatorId: string;
    edipi: string;
    role: Role;
    requestedBy: string;
    by: string;
  }): Promise<void> {
    const statement = {
      action: 'role.approve',
      requestId: r.requestId,
      tenantId: r.tenantId,
      operatorId: r.operatorId,
      role: r.role,
    };
    await this.step(r.tenantId, 'approve_role_grant', (e, c) => [r.requestId, c, e], statement, {
      type: 'com.arx.role.granted',
      subject: r.operatorId,
      data: { operatorId: r.operatorId, edipi: r.edipi, role: r.role, by: r.requestedBy, approvedBy: r.by },
    });
  }

  async revokeRole(g: { tenantId: string; operatorId: string; edipi: string; role: Role; by: string }): Promise<void> {
    const statement = { action: 'role.revoke', tenantId: g.tenantId, operatorId: g.operatorId, role: g.role };
    await this.step(g.tenantId, 'revoke_role', (e, c) => [g.tenantId, g.operatorId, g.role, c, e], statement, {
      type: 'com.arx.role.revoked',
      subject: g.operatorId,
      data: { operatorId: g.operatorId, edipi: g.edipi, role: g.role, by: g.by },
    });
  }

  /** Disable (login refused at once, open sessions ended) or enable an operator. */
  async setOperatorActive(o: { operatorId: string; edipi: string; active: boolean; by: string }): Promise<void> {
    const statement = { action: o.active ? 'operator.enable' : 'operator.disable', operatorId: o.operatorId };
    await this.step(
      await this.systemTenant(),
      'set_operator_status',
      (e, c) => [o.operatorId, o.active, c, e],
      statement,
      {
        type: o.active ? 'com.arx.operator.enabled' : 'com.arx.operator.disabled',
        subject: o.operatorId,
        data: { operatorId: o.operatorId, edipi: o.edipi, by: o.by },
      },
    );
  }
}
