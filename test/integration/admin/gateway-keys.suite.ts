import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ed25519 } from '@noble/curves/ed25519.js';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer, ed25519Verifier } from '../../../shared/checkpoint';
import { ArxFailure } from '../../../shared/contract';
import { envelopeOf, pae } from '../../../shared/dsse';
import { operatorWriter } from '../../../shared/events/writer';
import { ADMIN_PAYLOAD_TYPE } from '../../../electron/main/administration/admin-steps';
import { bootstrapControlPlane } from '../../../electron/main/administration/bootstrap';
import { enrolmentCard, readCertificateFile } from '../../../electron/main/administration/card-certificates';
import { GatewayKeyAdministration, type GatewayKeySpec } from '../../../electron/main/administration/gateway-key-steps';
import { provisionTestCards, type ProvisionedTestCards } from '../../../electron/main/card/test-cards';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import type { WriterIdentity } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { callAdminFunction } from '../../../electron/main/controlplane/repos/administration';
import { certificatesBySha } from '../../../electron/main/controlplane/repos/operators';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { authenticateWriters, referencedCertificates } from '../../../electron/main/pki/writer-auth';
import { loadTrustStore } from '../../../electron/main/pki/trust-store';
import { capturingEnroller, cardSigner, personCards } from '../../support/admin-cards';
import { writeCardBundle } from '../../support/card-bundles';
import { asyncFailureCode as failureCode } from '../../support/failure-code';
import type { MigratedDatabase } from '../../support/pg';

type Person = [last: string, first: string, edipi: string];
const PEOPLE: Person[] = [
  ['ALDEN', 'ANA', '2300000001'],
  ['BRANT', 'BEN', '2300000002'],
  ['CROSS', 'CAL', '2300000003'],
];
const H = 3_600_000;

/** The PIV Authentication key signs the event itself (what the console's logged-in card does: chain-format §8). */
function eventWriter(cards: ProvisionedTestCards, label: string, operatorId: string): WriterIdentity {
  const card = cards.cards.find((c) => c.label === label)!;
  const cert = card.certificates.find((c) => c.usage === 'piv-auth')!;
  const sign = async (preimage: Uint8Array) => {
    const dir = mkdtempSync(join(tmpdir(), 'arx-evsign-'));
    try {
      writeFileSync(join(dir, 'digest'), createHash('sha256').update(preimage).digest());
      execFileSync(
        'pkcs11-tool',
        [
          ...['--module', cards.module, '--token-label', label, '--login', '--pin', card.pin, '--sign'],
          ...['--id', cert.id, '-m', 'ECDSA', '--signature-format', 'openssl'],
          ...['-i', join(dir, 'digest'), '-o', join(dir, 'sig')],
        ],
        { env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf }, stdio: ['ignore', 'ignore', 'pipe'] },
      );
      return new Uint8Array(readFileSync(join(dir, 'sig')));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  return { writer: operatorWriter(operatorId), signer: { certificateSha256: cert.sha256, sign } };
}

const newKey = (name: string) => {
  const secret = ed25519.utils.randomSecretKey();
  return { name, secret, signer: ed25519Signer(name, secret) };
};

/**
 * Gateway keys administered (migration 0027), on the embedded default and on an enclave-shaped
 * server: register, rotate with an overlap, revoke, each card-signed by an administrator and
 * chained; the database refuses anyone else and any statement that is not exactly the step's; a
 * key's window only closes; the checkpointer signs only inside its key's window, and the chain
 * verification refuses a checkpoint signed after a revocation.
 */
export function gatewayKeys(open: (prefix: string) => Promise<MigratedDatabase>): void {
  let db: MigratedDatabase;
  let cards: ProvisionedTestCards;
  let work: string;
  const passwords = new Map<string, string>();
  const ids: { operatorId: string; loginRole: string }[] = [];
  let tenant: string;

  const pool = (i: number): pg.Pool => db.connect(ids[i]!.loginRole, passwords.get(ids[i]!.loginRole)!);
  const admin = (i: number, label = `ARX TEST ${PEOPLE[i]![0]}`) =>
    new GatewayKeyAdministration(pool(i), cardSigner(cards, label), eventWriter(cards, label, ids[i]!.operatorId));
  const spec = (k: { name: string; signer: { publicKey: Uint8Array } }, validFrom: Date): GatewayKeySpec => ({
    tenantId: tenant,
    keyName: k.name,
    publicKey: k.signer.publicKey,
    validFrom,
    validTo: null,
  });
  const keyRow = async (name: string) =>
    (
      await db.admin.query(
        `SELECT valid_from, valid_to, ended_reason, registered_by, ended_by FROM arx.gateway_keys WHERE tenant_id = $1 AND key_name = $2`,
        [tenant, name],
      )
    ).rows[0];

  beforeAll(async () => {
    work = mkdtempSync(join(tmpdir(), 'arx-gwkeys-'));
    db = await open('gwkeys');
    tenant = db.tenants.a;
    cards = await provisionTestCards(join(work, 'cards'), { specs: personCards(PEOPLE) });
    const store = loadTrustStore({ anchors: cards.trustAnchors, intermediates: cards.intermediates, crls: cards.crls });
    const card = await Promise.all(
      cards.cards.map((c) => {
        const f = writeCardBundle(work, c);
        return enrolmentCard(readCertificateFile(f), store, { policyArcs: [cards.policyArc] }, f);
      }),
    );
    const enroller = capturingEnroller(passwords);
    const boot = await bootstrapControlPlane(db.admin, card.slice(0, 2), enroller, card.slice(2));
    ids.push(...boot.administrators, ...boot.operators);
  }, 240_000);

  afterAll(async () => {
    await db?.drop();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  describe('gateway key administration', () => {
    it('refuses a non-administrator, another person’s card, an unsigned and a different statement', async () => {
      const k = newKey('arx-gateway.alpha.0');
      const s = spec(k, new Date(Date.now() - 2 * H));
      expect(await failureCode(admin(2).registerGatewayKey(s, ids[2]!.operatorId))).toBe('ADMINISTRATOR_REQUIRED');
      const aWithB = new GatewayKeyAdministration(pool(0), cardSigner(cards, 'ARX TEST BRANT'));
      expect(await failureCode(aWithB.registerGatewayKey(s, ids[0]!.operatorId))).toBe(
        'ADMINISTRATION_SIGNATURE_INVALID',
      );
      // Straight to the function on A's login: an envelope without A's signature, and one whose
      // statement names an open window while the call sets an end.
      const cert = cards.cards[0]!.certificates.find((c) => c.usage === 'signature')!.sha256;
      const statement = {
        action: 'gatewaykey.register',
        tenantId: tenant,
        keyName: k.name,
        publicKey: Buffer.from(k.signer.publicKey).toString('base64'),
        validFrom: s.validFrom.toISOString(),
        validTo: null,
      };
      const payload = Buffer.from(JSON.stringify(statement));
      const digest = createHash('sha256').update(pae(ADMIN_PAYLOAD_TYPE, payload)).digest();
      const signed = await cardSigner(cards, 'ARX TEST ALDEN').signDigest(new Uint8Array(digest));
      const envelope = envelopeOf(ADMIN_PAYLOAD_TYPE, payload, [
        { keyid: signed.certificateSha256, sig: signed.signature },
      ]);
      const unsigned = envelopeOf(ADMIN_PAYLOAD_TYPE, payload, []);
      const rows = {
        seqs: ['0'],
        ids: ['x'],
        types: ['com.arx.gatewaykey.registered'],
        times: [''],
        bytes: [Buffer.from('{}')],
        digests: [Buffer.alloc(32)],
        hashes: [Buffer.alloc(32)],
      };
      const call = (env: unknown, validTo: string | null) =>
        failureCode(
          withTenant(pool(0), tenant, (c) =>
            callAdminFunction(
              c,
              'register_gateway_key',
              [
                tenant,
                k.name,
                Buffer.from(k.signer.publicKey),
                statement.validFrom,
                validTo,
                Buffer.from(cert, 'hex'),
                env,
              ],
              rows,
            ),
          ),
        );
      expect(await call(unsigned, null)).toBe('ADMINISTRATION_SIGNATURE_INVALID');
      expect(await call(envelope, new Date().toISOString())).toBe('ADMINISTRATION_SIGNATURE_INVALID');
      expect(await keyRow(k.name)).toBeUndefined();
    });

    it('registers, rotates with an overlap and revokes; each chained with the card’s signature', async () => {
      const t0 = new Date(Date.now() - 3 * H);
      const [k1, k2, k3] = ['arx-gateway.alpha.1', 'arx-gateway.alpha.2', 'arx-gateway.alpha.3'].map(newKey);
      await admin(0).registerGatewayKey(spec(k1!, t0), ids[0]!.operatorId);
      expect(await failureCode(admin(1).registerGatewayKey(spec(k1!, t0), ids[1]!.operatorId))).toBe(
        'ADMINISTRATION_CONFLICT',
      );
      const from2 = new Date(t0.getTime() + H);
      const overlapEnd = new Date(from2.getTime() + 10 * 60_000);
      const gap = { previousKey: k1!.name, previousValidTo: new Date(from2.getTime() - 1), next: spec(k2!, from2) };
      expect(await failureCode(admin(1).rotateGatewayKey({ ...gap, by: ids[1]!.operatorId }))).toBe(
        'ADMINISTRATION_REFUSED',
      );
      await admin(1).rotateGatewayKey({ ...gap, previousValidTo: overlapEnd, by: ids[1]!.operatorId });
      expect(await keyRow(k1!.name)).toMatchObject({
        valid_to: overlapEnd,
        ended_reason: 'rotated',
        ended_by: ids[1]!.operatorId,
      });
      expect(await keyRow(k2!.name)).toMatchObject({
        valid_from: from2,
        valid_to: null,
        registered_by: ids[1]!.operatorId,
      });
      const rotateAgain = {
        previousKey: k1!.name,
        previousValidTo: overlapEnd,
        next: spec(k3!, from2),
        by: ids[0]!.operatorId,
      };
      expect(await failureCode(admin(0).rotateGatewayKey(rotateAgain))).toBe('ADMINISTRATION_REFUSED');

      const revoke = {
        tenantId: tenant,
        keyName: k1!.name,
        publicKey: k1!.signer.publicKey,
        reason: 'host lost',
        by: ids[0]!.operatorId,
      };
      const later = new Date(overlapEnd.getTime() + 1);
      expect(await failureCode(admin(0).revokeGatewayKey({ ...revoke, validTo: later }))).toBe(
        'ADMINISTRATION_REFUSED',
      );
      const end = new Date(from2.getTime() + 60_000);
      await admin(0).revokeGatewayKey({ ...revoke, validTo: end });
      expect(await keyRow(k1!.name)).toMatchObject({
        valid_to: end,
        ended_reason: 'revoked',
        ended_by: ids[0]!.operatorId,
      });

      const stored = await db.admin.query<{ seq: string; type: string; bytes: Buffer; data: Record<string, unknown> }>(
        `SELECT seq, type, bytes, doc->'data' AS data FROM arx.audit_events
          WHERE tenant_id = $1 AND type LIKE 'com.arx.gatewaykey.%' ORDER BY seq`,
        [tenant],
      );
      expect(stored.rows.map((r) => [r.type, r.data.keyName, r.data.by])).toEqual([
        ['com.arx.gatewaykey.registered', k1!.name, ids[0]!.operatorId],
        ['com.arx.gatewaykey.rotated', k2!.name, ids[1]!.operatorId],
        ['com.arx.gatewaykey.revoked', k1!.name, ids[0]!.operatorId],
      ]);
      expect(stored.rows[1]!.data).toMatchObject({ previousKey: k1!.name, previousValidTo: overlapEnd.toISOString() });
      expect(stored.rows[2]!.data).toMatchObject({ validTo: end.toISOString(), reason: 'host lost' });
      const rows = stored.rows.map((x) => ({ seq: Number(x.seq), bytes: new Uint8Array(x.bytes) }));
      const signers = await certificatesBySha(db.admin, [...referencedCertificates(rows).keys()]);
      expect(signers.map((c) => c.operatorId).sort()).toEqual([ids[0]!.operatorId, ids[1]!.operatorId].sort());
      const certs = new Map(signers.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
      expect(authenticateWriters(rows, certs, 0)).toEqual([]);
    });

    it('lets a key’s window only close, for every role', async () => {
      const widen = [
        'UPDATE arx.gateway_keys SET valid_to = NULL WHERE tenant_id = $1',
        "UPDATE arx.gateway_keys SET valid_to = valid_to + interval '1 day' WHERE tenant_id = $1 AND valid_to IS NOT NULL",
        "UPDATE arx.gateway_keys SET public_key = decode(repeat('ab', 32), 'hex') WHERE tenant_id = $1",
        'TRUNCATE arx.gateway_keys',
      ];
      for (const sql of widen)
        await expect(db.admin.query(sql, sql.includes('$1') ? [tenant] : []), sql).rejects.toThrow(
          /may only close|append-only/,
        );
      await expect(
        withTenant(db.gatewayPool, tenant, (c) =>
          c.query('UPDATE arx.gateway_keys SET valid_to = now() WHERE tenant_id = $1', [tenant]),
        ),
      ).rejects.toThrow(/permission denied/);
    });
  });

  describe('the checkpointer and the verifiers keep to the key windows', () => {
    it('signs with a key inside its window only; a checkpoint after a revocation does not verify', async () => {
      const t = db.tenants.b;
      const [g1, g2] = ['arx-gateway.bravo.1', 'arx-gateway.bravo.2'].map(newKey);
      const a = admin(0);
      const by = ids[0]!.operatorId;
      const base = Date.now();
      await a.registerGatewayKey({ ...spec(g1!, new Date(base - 5 * H)), tenantId: t }, by);
      const policy = { everyEvents: 1000, everyMs: 1000 };
      const clock = (ms: number) => () => new Date(ms);
      const tick = (k: typeof g1, ms: number) =>
        new Checkpointer(
          t,
          k!.signer,
          policy,
          clock(ms),
          undefined,
          [g1!, g2!].map((x) => ed25519Verifier(x!.name, x!.signer.publicKey)),
        )
          .tick(db.gatewayPool)
          .catch((e: unknown) => e);
      expect(await tick(g1, base - 4 * H)).toMatchObject({ size: 1 });
      const refusal = (e: unknown) => (e instanceof ArxFailure ? [e.code, e.details?.code] : e);
      expect(refusal(await tick(g2, base - 4 * H + 2000))).toEqual(['CHECKPOINT_REFUSED', 'CHECKPOINT_KEY_UNKNOWN']);
      await a.rotateGatewayKey({
        previousKey: g1!.name,
        previousValidTo: new Date(base - 3 * H + 60_000),
        next: { ...spec(g2!, new Date(base - 3 * H)), tenantId: t },
        by,
      });
      expect(await tick(g1, base - 3 * H + 30_000)).toMatchObject({ size: 2 });
      expect(refusal(await tick(g1, base - 2 * H))).toEqual(['CHECKPOINT_REFUSED', 'CHECKPOINT_KEY_OUTSIDE_WINDOW']);
      expect(await tick(g2, base - 2 * H)).toMatchObject({ size: 2 });
      expect(await tick(g2, base - 1 * H)).toMatchObject({ size: 2 });
      let r = await verifyTenantChain(db.admin, t, { checkDocuments: false });
      expect(r.errors.filter((e) => e.code.startsWith('CHECKPOINT_'))).toEqual([]);
      // Compromised since 90 minutes ago: the checkpoint of an hour ago no longer verifies, nor may the key sign.
      await a.revokeGatewayKey({
        tenantId: t,
        keyName: g2!.name,
        publicKey: g2!.signer.publicKey,
        validTo: new Date(base - 1.5 * H),
        reason: 'key compromised',
        by,
      });
      expect(refusal(await tick(g2, Date.now()))).toEqual(['CHECKPOINT_REFUSED', 'CHECKPOINT_KEY_OUTSIDE_WINDOW']);
      r = await verifyTenantChain(db.admin, t, { checkDocuments: false });
      const outside = r.errors.filter((e) => e.code === 'CHECKPOINT_KEY_OUTSIDE_WINDOW');
      expect(outside.map((e) => e.details?.key)).toEqual([g2!.name]);
    });
  });
}
