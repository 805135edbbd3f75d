import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/** Operators' companion keys (migration 0025, docs/companion-keys.md). */

export interface StoredCompanionKey {
  keyId: string;
  ed25519Public: Buffer;
  mlDsa87Public: Buffer;
  signingCertificateSha256: string;
  keyManagementCertificateSha256: string;
  replaces: string | null;
  attestation: unknown;
  wrap: unknown;
  createdAt: Date;
  revoked: string | null;
}

interface Row {
  key_id: Buffer;
  ed25519_public: Buffer;
  ml_dsa87_public: Buffer;
  signing_certificate_sha256: Buffer;
  key_management_certificate_sha256: Buffer;
  replaces: Buffer | null;
  attestation: unknown;
  wrap: unknown;
  created_at: Date;
  reason: string | null;
}

/** The connected operator's companion keys, newest first (row security shows only their own). */
export async function ownCompanionKeys(q: Queryable): Promise<StoredCompanionKey[]> {
  const r = await q.query<Row>(
    `SELECT k.key_id, k.ed25519_public, k.ml_dsa87_public, k.signing_certificate_sha256,
            k.key_management_certificate_sha256, k.replaces, k.attestation, k.wrap, k.created_at, r.reason
       FROM arx.companion_keys k LEFT JOIN arx.companion_key_revocations r ON r.key_id = k.key_id
      WHERE k.operator_id = arx.current_operator()
      ORDER BY k.created_at DESC, k.key_id`,
  );
  return r.rows.map((x) => ({
    keyId: x.key_id.toString('hex'),
    ed25519Public: x.ed25519_public,
    mlDsa87Public: x.ml_dsa87_public,
    signingCertificateSha256: x.signing_certificate_sha256.toString('hex'),
    keyManagementCertificateSha256: x.key_management_certificate_sha256.toString('hex'),
    replaces: x.replaces ? x.replaces.toString('hex') : null,
    attestation: x.attestation,
    wrap: x.wrap,
    createdAt: x.created_at,
    revoked: x.reason,
  }));
}

export interface NewCompanionKey {
  keyId: string;
  ed25519Public: Uint8Array;
  mlDsa87Public: Uint8Array;
  signingCertificateSha256: string;
  keyManagementCertificateSha256: string;
  attestation: unknown;
  wrap: unknown;
}

/** Stores a key (once) and appends its attested or rotated event (prepared rows) to this tenant's chain. */
export async function storeCompanionKey(q: Queryable, tenantId: string, k: NewCompanionKey, event: unknown[]) {
  await callDefiner(
    q,
    'store_companion_key',
    [
      tenantId,
      Buffer.from(k.keyId, 'hex'),
      Buffer.from(k.ed25519Public),
      Buffer.from(k.mlDsa87Public),
      Buffer.from(k.signingCertificateSha256, 'hex'),
      Buffer.from(k.keyManagementCertificateSha256, 'hex'),
      JSON.stringify(k.attestation),
      JSON.stringify(k.wrap),
      ...event,
    ],
    {
      AX405: 'COMPANION_ATTESTATION_INVALID',
      AX409: 'COMPANION_ATTESTATION_INVALID',
      AX422: 'COMPANION_ATTESTATION_INVALID',
    },
  );
}

/** Revokes a key of the connected operator and appends the revoked event (prepared rows). */
export async function revokeCompanionKey(
  q: Queryable,
  tenantId: string,
  keyId: string,
  reason: 'retired' | 'compromised',
  event: unknown[],
) {
  await callDefiner(q, 'revoke_companion_key', [tenantId, Buffer.from(keyId, 'hex'), reason, ...event], {
    AX404: 'COMPANION_KEY_NONE',
  });
}
