import 'reflect-metadata';
import { createHash, createPrivateKey, randomUUID, sign, webcrypto, type KeyObject } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import type pg from 'pg';
import { pae } from '../../shared/dsse';
import type { CardCertificate, EnrolmentCard } from '../../electron/main/administration/card-certificates';
import { ADMIN_PAYLOAD_TYPE } from '../../electron/main/pki/grant-signatures';

/**
 * An access review at any scale, for the bench and the paging tests: a software stand-in for an
 * administrator's card, and operators, tenants and grants inserted by the superuser, each grant
 * signed by that administrator as the definer functions would have it.
 */
x509.cryptoProvider.set(webcrypto as unknown as Crypto);

export interface SoftwareCard {
  card: EnrolmentCard;
  key: { key: KeyObject; dsaEncoding: 'der' };
  keyid: string;
}

/** Three self-signed P-256 certificates (PIV auth, signature, key management), the signing key kept. */
export async function softwareCard(edipi: string, opts: { expiresInDays?: number } = {}): Promise<SoftwareCard> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const certs: CardCertificate[] = [];
  let signingKey: webcrypto.CryptoKey | null = null;
  for (const usage of ['piv-auth', 'signature', 'key-management'] as const) {
    const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
    const cert = await x509.X509CertificateGenerator.createSelfSigned({
      serialNumber: '01',
      name: `CN=BENCH.ADMIN.A.${edipi}`,
      notBefore: new Date(Date.now() - 86_400_000),
      notAfter: new Date(Date.now() + (opts.expiresInDays ?? 365) * 86_400_000),
      keys,
      signingAlgorithm: alg,
    });
    const der = new Uint8Array(cert.rawData);
    certs.push({
      usage,
      sha256: createHash('sha256').update(der).digest('hex'),
      subject: cert.subject,
      notAfter: cert.notAfter,
      der,
    });
    if (usage === 'signature') signingKey = keys.privateKey;
  }
  const card: EnrolmentCard = { edipi, displayName: `ADMIN ${edipi}`, certificates: certs, keyManagement: certs[2]! };
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', signingKey!));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' });
  return { card, key: { key, dsaEncoding: 'der' }, keyid: certs[1]!.sha256 };
}

/** A DSSE envelope of `statement`, signed with the card's signing key. */
export function signedEnvelope(signer: SoftwareCard, statement: object) {
  const payload = Buffer.from(JSON.stringify(statement));
  const sig = sign('sha256', pae(ADMIN_PAYLOAD_TYPE, payload), signer.key);
  return {
    payloadType: ADMIN_PAYLOAD_TYPE,
    payload: payload.toString('base64'),
    signatures: [{ keyid: signer.keyid, sig: sig.toString('base64') }],
  };
}

export const SEED_ROLES = ['policy-author', 'approver', 'auditor'] as const;

/**
 * `operators` operators (EDIPI from `edipiBase`) and `tenants` tenants (slug `<prefix>-<i>`), each
 * operator granted a one-step role in `perOperator` of them, every grant signed by `by` with `signer`.
 */
export async function seedSignedGrants(
  admin: pg.Pool,
  by: string,
  signer: SoftwareCard,
  shape: { operators: number; tenants: number; perOperator: number; prefix?: string; edipiBase?: number },
) {
  const prefix = shape.prefix ?? 'bench';
  const tenants = Array.from({ length: shape.tenants }, (_, i) => ({ id: randomUUID(), slug: `${prefix}-${i}` }));
  await admin.query(
    `INSERT INTO arx.tenants (id, slug, name) SELECT id, slug, slug FROM unnest($1::uuid[], $2::text[]) AS t(id, slug)`,
    [tenants.map((t) => t.id), tenants.map((t) => t.slug)],
  );
  const base = shape.edipiBase ?? 4_000_000_000;
  const ops = Array.from({ length: shape.operators }, (_, i) => ({ id: randomUUID(), edipi: String(base + i) }));
  await admin.query(
    `INSERT INTO arx.operators (id, edipi, display_name) SELECT id, edipi, 'OPERATOR ' || edipi FROM unnest($1::uuid[], $2::text[]) AS o(id, edipi)`,
    [ops.map((o) => o.id), ops.map((o) => o.edipi)],
  );
  const rows: { t: string; o: string; role: string; env: string }[] = [];
  const flush = async () => {
    await admin.query(
      `INSERT INTO arx.role_grants (tenant_id, operator_id, role, granted_by, grant_envelope)
       SELECT t, o, r, $5, e::jsonb FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[]) AS g(t, o, r, e)`,
      [rows.map((r) => r.t), rows.map((r) => r.o), rows.map((r) => r.role), rows.map((r) => r.env), by],
    );
    rows.length = 0;
  };
  for (const [i, o] of ops.entries()) {
    for (let k = 0; k < shape.perOperator; k++) {
      const t = tenants[(i + k) % shape.tenants]!;
      const role = SEED_ROLES[i % SEED_ROLES.length]!;
      const env = signedEnvelope(signer, { action: 'role.grant', tenantId: t.id, operatorId: o.id, role });
      rows.push({ t: t.id, o: o.id, role, env: JSON.stringify(env) });
      if (rows.length === 5000) await flush();
    }
  }
  if (rows.length) await flush();
  // As autovacuum leaves a table at rest: statistics and the visibility map (index-only scans).
  await admin.query('VACUUM ANALYZE');
  return { tenants, operators: ops };
}
