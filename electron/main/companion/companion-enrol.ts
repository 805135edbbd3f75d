/**
 * Making, attesting and storing an operator's companion keys (docs/companion-keys.md), and
 * opening the stored ones with the card. Each step that writes records its card-signed event in
 * every tenant the operator holds a role in (the key itself is stored once).
 */
import { X509Certificate, createHash } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import {
  COMPANION_ATTESTATION_PAYLOAD_TYPE,
  attestationBytes,
  newAttestation,
  type CompanionAttestation,
} from '../../../shared/companion';
import { envelopeOf, pae, type DsseEnvelope } from '../../../shared/dsse';
import type { NewEvent, WriterIdentity } from '../controlplane/chain-writer';
import {
  ownCompanionKeys,
  revokeCompanionKey,
  storeCompanionKey,
  type StoredCompanionKey,
} from '../controlplane/repos/companion-keys';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import type { LoggedInCard, OperatorAuth } from '../card/operator-auth';
import { SIGNING_ROLES } from '../card/piv-objects';
import { recipientKind, type KeyUnwrapper } from '../crypto/recipient-wrap';
import { verifyAttestation } from './attestation-verify';
import { CompanionKeys, newSeed, unwrapSeed, wrapSeed, type StoredWrap } from './companion-keys';

export interface CompanionContext {
  operatorAuth: OperatorAuth;
  pool: pg.Pool;
  source: string;
  now: () => Date;
}

/** A key the console holds: the keys in memory and what was stored about them. */
export interface HeldCompanion {
  keys: CompanionKeys;
  attestation: DsseEnvelope;
  statement: CompanionAttestation;
}

function cardOf(ctx: CompanionContext): { session: OperatorSession; card: LoggedInCard } {
  const session = ctx.operatorAuth.session();
  const card = ctx.operatorAuth.activeCard();
  if (!session || session.locked || !card)
    throw new ArxFailure('SESSION_LOCKED', 'Log in with your card (and unlock the console) first.');
  return { session, card };
}

function certificatesOf(card: LoggedInCard) {
  const km = card.keyManagementCertificate?.() ?? null;
  if (!km) throw new ArxFailure('CARD_CERT_MISSING', 'The card has no Key Management certificate (9D).');
  const signing = card.certificates?.find((c) => SIGNING_ROLES.includes(c.role)) ?? null;
  if (!signing) throw new ArxFailure('CARD_CERT_MISSING', 'The card has no Digital Signature certificate (9C).');
  return { km, signing };
}

/** The card's 9D key as the wrap's opener. */
export function cardUnwrapper(card: LoggedInCard): KeyUnwrapper {
  const { km } = certificatesOf(card);
  const publicKey = new X509Certificate(km.der).publicKey;
  const u: KeyUnwrapper = { kind: recipientKind(publicKey, 'a companion key'), describe: 'card', publicKey };
  if (card.deriveSharedSecret) u.deriveSharedSecret = (p) => card.deriveSharedSecret!(p);
  if (card.decryptOaep) u.decryptOaep = (c) => card.decryptOaep!(c);
  return u;
}

const tenantsOf = (s: OperatorSession) => [...new Set(s.roles.map((r) => r.tenantId))].sort();
const sha256hex = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

/** Records a step's event in every tenant of the operator, through `store`, one transaction each. */
async function inEveryTenant(
  ctx: CompanionContext,
  session: OperatorSession,
  event: NewEvent,
  store: (c: pg.PoolClient, tenantId: string, rows: unknown[]) => Promise<void>,
): Promise<void> {
  const who: WriterIdentity = ctx.operatorAuth.eventWriter() ?? {};
  const tenants = tenantsOf(session);
  if (tenants.length === 0) throw new ArxFailure('ROLE_REQUIRED', 'The operator holds no role in any tenant.');
  for (const t of tenants)
    await withTenant(ctx.pool, t, async (c) =>
      store(c, t, await stepEventRows(c, t, ctx.source, event, undefined, who)),
    );
}

/**
 * Generates a key pair of each kind, wraps their seed to the card's 9D key, has the card's 9C key
 * sign the attestation (the PIN, once), stores both and records the event. `replaces`: the
 * operator's active key, which this one rotates out.
 */
export async function enrolCompanion(
  ctx: CompanionContext,
  pin: string | null,
  replaces: string | null,
): Promise<HeldCompanion> {
  const { session, card } = cardOf(ctx);
  const { km, signing } = certificatesOf(card);
  const seed = newSeed();
  const keys = new CompanionKeys(seed);
  try {
    const kmKey = new X509Certificate(km.der).publicKey;
    const wrap = wrapSeed(seed, kmKey, { operatorId: session.operatorId, keyId: keys.keyId });
    seed.fill(0);
    const statement = newAttestation({
      createdAt: ctx.now(),
      edipi: session.edipi,
      operatorId: session.operatorId,
      keyManagementCertificateSha256: km.fingerprint,
      signingCertificateSha256: signing.fingerprint,
      ed25519: keys.ed25519Public,
      mlDsa87: keys.mlDsa87Public,
      replaces,
    });
    const attestation = await attest(ctx, statement, pin);
    await storeEverywhere(ctx, session, keys, statement, attestation, wrap);
    return { keys, attestation, statement };
  } catch (err) {
    seed.fill(0);
    keys.wipe();
    throw err;
  }
}

async function attest(ctx: CompanionContext, statement: CompanionAttestation, pin: string | null) {
  const payload = attestationBytes(statement);
  const digest = createHash('sha256').update(pae(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload)).digest();
  const signed = await ctx.operatorAuth.sign(
    `companion key attestation ${statement.keyId.slice(0, 16)}… (Ed25519 and ML-DSA-87 keys bound to your card)`,
    new Uint8Array(digest),
    pin,
    { rsa: 'pkcs1' },
  );
  if (signed.certificateSha256 !== statement.signingCertificateSha256)
    throw new ArxFailure('CARD_KEY_MISMATCH', 'The card signed with another certificate than the one it presented.');
  const envelope = envelopeOf(COMPANION_ATTESTATION_PAYLOAD_TYPE, payload, [
    { keyid: signed.certificateSha256, sig: signed.signature },
  ]);
  const checked = verifyAttestation(envelope, signed.certificateDer);
  if (!checked.ok) throw new ArxFailure(checked.code, `The new attestation does not verify: ${checked.message}.`);
  return envelope;
}

async function storeEverywhere(
  ctx: CompanionContext,
  session: OperatorSession,
  keys: CompanionKeys,
  statement: CompanionAttestation,
  attestation: DsseEnvelope,
  wrap: StoredWrap,
): Promise<void> {
  const common = {
    operatorId: session.operatorId,
    keyId: keys.keyId,
    signingCertificateSha256: statement.signingCertificateSha256,
    attestationSha256: sha256hex(attestationBytes(statement)),
  };
  const event: NewEvent = statement.replaces
    ? {
        type: 'com.arx.companionkey.rotated',
        data: { ...common, previousKeyId: statement.replaces },
        subject: session.edipi,
      }
    : { type: 'com.arx.companionkey.attested', data: common, subject: session.edipi };
  const record = {
    keyId: keys.keyId,
    ed25519Public: keys.ed25519Public,
    mlDsa87Public: keys.mlDsa87Public,
    signingCertificateSha256: statement.signingCertificateSha256,
    keyManagementCertificateSha256: statement.keyManagementCertificateSha256,
    attestation,
    wrap,
  };
  await inEveryTenant(ctx, session, event, (c, t, rows) => storeCompanionKey(c, t, record, rows));
}

/** Revokes the operator's key `keyId` and records it in every tenant. */
export async function revokeCompanion(
  ctx: CompanionContext,
  keyId: string,
  reason: 'retired' | 'compromised',
): Promise<void> {
  const { session } = cardOf(ctx);
  const event: NewEvent = {
    type: 'com.arx.companionkey.revoked',
    data: { operatorId: session.operatorId, keyId, reason },
    subject: session.edipi,
  };
  await inEveryTenant(ctx, session, event, (c, t, rows) => revokeCompanionKey(c, t, keyId, reason, rows));
}

/** The operator's active (newest unrevoked) key as stored, or null. */
export async function activeCompanion(pool: pg.Pool): Promise<StoredCompanionKey | null> {
  return (await ownCompanionKeys(pool)).find((k) => k.revoked === null) ?? null;
}

/**
 * Opens the stored key with the logged-in card: the attestation must verify with this card's
 * signing certificate, and the wrap open with its 9D key to the attested keys.
 */
export async function openCompanion(ctx: CompanionContext, stored: StoredCompanionKey): Promise<HeldCompanion> {
  const { session, card } = cardOf(ctx);
  const { signing } = certificatesOf(card);
  const checked = verifyAttestation(stored.attestation, signing.der);
  if (!checked.ok) throw new ArxFailure(checked.code, `The stored attestation: ${checked.message}.`);
  const keys = await unwrapSeed(stored.wrap as StoredWrap, cardUnwrapper(card), {
    operatorId: session.operatorId,
    keyId: checked.value.statement.keyId,
  });
  return { keys, attestation: stored.attestation as DsseEnvelope, statement: checked.value.statement };
}
