/**
 * The card service: readers, cards, certificates, login with proof of possession, and signing
 * with the Digital Signature key. All PKCS#11 calls go through the worker (`pkcs11-client.ts`).
 * PINs arrive as Uint8Array, go to C_Login only, and are zero-filled on every path.
 */
import {
  X509Certificate,
  constants as cryptoConstants,
  createHash,
  randomBytes,
  verify as verifySignature,
  type KeyObject,
} from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ArxFailure } from '../../../shared/contract';
import { Pkcs11Client } from './pkcs11-client';
import type { HandleHex, MechanismParams, ObjectView, SlotView, TokenView } from './pkcs11-protocol';
import { pinStateFromFlags, type PinState } from './pin-state';
import { LOGIN_ROLES, PIV_KEY_REFERENCE, SIGNING_ROLES, roleOf, type CardObjectRole } from './piv-objects';
import { RemovalPoller } from './removal-poller';
import { curveOf, digestInfo, ecdsaRawToDer, hashNameOfDigest } from './signature-encoding';

// PKCS#11 v2.40 constants used here (kept local so that this file never loads the native module).
const CKO_CERTIFICATE = 1;
const CKO_PRIVATE_KEY = 3;
const CKU_USER = 1;
const CKU_CONTEXT_SPECIFIC = 2;
const CKK_RSA = 0;
const CKK_EC = 3;
const CKM_RSA_PKCS = 0x1;
const CKM_RSA_PKCS_PSS = 0xd;
const CKM_ECDSA = 0x1041;
const CKM_SHA256 = 0x250;
const CKM_SHA384 = 0x260;
const CKM_SHA512 = 0x270;
const CKG_MGF1_SHA256 = 0x2;
const CKG_MGF1_SHA384 = 0x3;
const CKG_MGF1_SHA512 = 0x4;
const CKM_RSA_PKCS_OAEP = 0x9;
const CKM_SHA_1 = 0x220;
const CKG_MGF1_SHA1 = 0x1;

/** Certificates whose key decrypts / agrees keys: PIV Key Management (9D), or CAC Email Encryption. */
const KEY_MANAGEMENT_ROLES: readonly CardObjectRole[] = ['key-management', 'cac-email-encryption'];

export interface CardSlot extends SlotView {
  /** Null when no token is present, or its info cannot be read. */
  token: TokenView | null;
  pinState: PinState | null;
}

export interface CardCertificate {
  id: string;
  label: string;
  role: CardObjectRole;
  /** PIV key reference (9A, 9C, 9D, 9E) when the role has one. */
  keyReference: string | null;
  der: Uint8Array;
  subject: string;
  /** SHA-256 of the DER, hex. */
  fingerprint: string;
}

export interface LoginOptions {
  /** CKA_ID (hex) of the login certificate, when several qualify and the user picked one. */
  certificateId?: string;
  /** The user confirmed a login attempt on the final try. */
  confirmFinalTry?: boolean;
}

export interface SignatureResult {
  purpose: string;
  algorithm: 'ECDSA' | 'RSASSA-PSS' | 'RSASSA-PKCS1-v1_5';
  /** What PKCS#11 returned: r‖s for ECDSA, the RSA signature otherwise. */
  raw: Uint8Array;
  /** ECDSA only: the DER ECDSA-Sig-Value that X.509, CMS and OpenSSL expect. */
  der?: Uint8Array;
  certificate: CardCertificate;
}

const zero = (pin: Uint8Array | null | undefined) => pin?.fill(0);

function describeCert(obj: ObjectView): CardCertificate {
  const der = obj.value ?? new Uint8Array();
  const role = roleOf(obj.label, obj.id);
  let subject = '';
  try {
    subject = new X509Certificate(der).subject;
  } catch {
    subject = '(unparseable certificate)';
  }
  return {
    id: obj.id,
    label: obj.label,
    role,
    keyReference: PIV_KEY_REFERENCE[role] ?? null,
    der,
    subject,
    fingerprint: createHash('sha256').update(der).digest('hex'),
  };
}

function publicKeyOf(cert: CardCertificate): KeyObject {
  try {
    return new X509Certificate(cert.der).publicKey;
  } catch {
    throw new ArxFailure(
      'CARD_CERT_INVALID',
      `The certificate "${cert.label}" (id ${cert.id}) on the card cannot be parsed.`,
      { id: cert.id },
    );
  }
}

/** The mechanism and the bytes to hand to C_Sign for a digest, given the certificate's key. */
function signingPlan(key: KeyObject, keyType: number | undefined, digest: Uint8Array, rsa: 'pss' | 'pkcs1') {
  const hash = hashNameOfDigest(digest);
  if (key.asymmetricKeyType === 'ec') {
    if (keyType !== undefined && keyType !== CKK_EC) return null;
    const curve = curveOf(key.asymmetricKeyDetails?.namedCurve);
    if (!curve)
      throw new ArxFailure(
        'CARD_KEY_UNSUPPORTED',
        `The card's EC curve ${key.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported.`,
      );
    const size = { 'P-256': 64, 'P-384': 96, 'P-521': 132 }[curve];
    return {
      mechanism: { mechanism: CKM_ECDSA } as MechanismParams,
      data: digest,
      maxLength: size,
      curve,
      hash,
      algorithm: 'ECDSA' as const,
    };
  }
  if (key.asymmetricKeyType === 'rsa' || key.asymmetricKeyType === 'rsa-pss') {
    if (keyType !== undefined && keyType !== CKK_RSA) return null;
    const bytes = Math.ceil((key.asymmetricKeyDetails?.modulusLength ?? 4096) / 8);
    if (rsa === 'pss') {
      const hashAlg = { sha256: CKM_SHA256, sha384: CKM_SHA384, sha512: CKM_SHA512 }[hash];
      const mgf = { sha256: CKG_MGF1_SHA256, sha384: CKG_MGF1_SHA384, sha512: CKG_MGF1_SHA512 }[hash];
      const mechanism: MechanismParams = { mechanism: CKM_RSA_PKCS_PSS, pss: { hashAlg, mgf, saltLen: digest.length } };
      return { mechanism, data: digest, maxLength: bytes, curve: null, hash, algorithm: 'RSASSA-PSS' as const };
    }
    return {
      mechanism: { mechanism: CKM_RSA_PKCS } as MechanismParams,
      data: digestInfo(digest),
      maxLength: bytes,
      curve: null,
      hash,
      algorithm: 'RSASSA-PKCS1-v1_5' as const,
    };
  }
  throw new ArxFailure('CARD_KEY_UNSUPPORTED', `The card's key type ${key.asymmetricKeyType ?? '?'} is not supported.`);
}

/**
 * Proof of possession: the card signs SHA-256 of a fresh 32-byte challenge, and node:crypto checks
 * the signature over the challenge against the certificate's public key.
 */
function verifyChallenge(
  key: KeyObject,
  challenge: Uint8Array,
  raw: Uint8Array,
  algorithm: SignatureResult['algorithm'],
): boolean {
  try {
    if (algorithm === 'ECDSA') return verifySignature('sha256', challenge, { key, dsaEncoding: 'ieee-p1363' }, raw);
    if (algorithm === 'RSASSA-PSS')
      return verifySignature(
        'sha256',
        challenge,
        { key, padding: cryptoConstants.RSA_PKCS1_PSS_PADDING, saltLength: 32 },
        raw,
      );
    return verifySignature('sha256', challenge, { key, padding: cryptoConstants.RSA_PKCS1_PADDING }, raw);
  } catch {
    return false;
  }
}

export interface CardServiceOptions {
  /** PKCS#11 module path (config.card.module). */
  modulePath: string;
  /** Removal polling interval; at most 1000 ms so that removal is noticed within 2 s. */
  pollIntervalMs?: number;
}

export class CardService {
  private constructor(
    private readonly client: Pkcs11Client,
    readonly modulePath: string,
    readonly library: string,
    private readonly pollIntervalMs: number,
  ) {}

  /** Loads and initialises the module in the card worker. CARD_MODULE_UNAVAILABLE names the path. */
  static async open(options: CardServiceOptions): Promise<CardService> {
    const { client, library } = await Pkcs11Client.start(options.modulePath);
    return new CardService(client, options.modulePath, library, Math.min(1000, options.pollIntervalMs ?? 500));
  }

  /** Every slot (reader), with or without a token, and the token's info and PIN state. */
  async listSlots(): Promise<CardSlot[]> {
    const slots = await this.client.call({ op: 'getSlots', tokenPresent: false });
    return Promise.all(
      slots.map(async (slot) => {
        if (!slot.tokenPresent) return { ...slot, token: null, pinState: null };
        try {
          const token = await this.client.call({ op: 'getTokenInfo', slot: slot.slot });
          return { ...slot, token, pinState: pinStateFromFlags(token.flags) };
        } catch {
          return { ...slot, token: null, pinState: null };
        }
      }),
    );
  }

  /** The certificates on the card in `slot`, with their PIV/CAC roles. Needs no PIN. */
  async listCertificates(slot: HandleHex): Promise<CardCertificate[]> {
    const session = await this.client.call({ op: 'openSession', slot });
    try {
      return (await this.client.call({ op: 'findObjects', session, objectClass: CKO_CERTIFICATE })).map(describeCert);
    } finally {
      await this.client.call({ op: 'closeSession', session }).catch(() => undefined);
    }
  }

  /**
   * C_Login with the PIN (zero-filled on every path), then proof of possession with the login
   * key. Refuses a locked PIN, and a final try without `confirmFinalTry`.
   * `pin` is null for a reader with a PIN pad.
   */
  async login(slot: HandleHex, pin: Uint8Array | null, options: LoginOptions = {}): Promise<CardSession> {
    let session: HandleHex | null = null;
    try {
      const token = await this.client.call({ op: 'getTokenInfo', slot });
      const pinState = pinStateFromFlags(token.flags);
      if (pinState.refuse) throw new ArxFailure('PIN_LOCKED', pinState.message, { slot });
      if (pinState.needsConfirmation && !options.confirmFinalTry)
        throw new ArxFailure('PIN_FINAL_TRY_UNCONFIRMED', pinState.message, { slot });
      if (!pinState.pinPad && (!pin || pin.length === 0))
        throw new ArxFailure('PIN_INVALID', 'Enter the PIN of the card.');
      session = await this.client.call({ op: 'openSession', slot });
      const loginPin = pinState.pinPad ? null : pin;
      await this.client.call({ op: 'login', session, userType: CKU_USER, pin: loginPin });
      zero(pin);

      const certs = (await this.client.call({ op: 'findObjects', session, objectClass: CKO_CERTIFICATE })).map(
        describeCert,
      );
      const keys = await this.client.call({ op: 'findObjects', session, objectClass: CKO_PRIVATE_KEY });
      const certificate = pickLoginCertificate(certs, options.certificateId);
      const key = keys.find((k) => k.id === certificate.id);
      if (!key)
        throw new ArxFailure(
          'CARD_KEY_MISSING',
          `The card has no private key for "${certificate.label}" (id ${certificate.id}).`,
          { id: certificate.id },
        );

      const challenge = randomBytes(32);
      const publicKey = publicKeyOf(certificate);
      const plan = signingPlan(publicKey, key.keyType, createHash('sha256').update(challenge).digest(), 'pkcs1');
      if (!plan) throw mismatch(certificate);
      if (key.alwaysAuthenticate) {
        throw new ArxFailure(
          'CARD_KEY_UNSUPPORTED',
          `The login key (id ${certificate.id}) requires a PIN for every use; a PIV Authentication key must not.`,
        );
      }
      await this.client.call({ op: 'signInit', session, key: key.handle, mechanism: plan.mechanism });
      const raw = await this.client.call({ op: 'sign', session, data: plan.data, maxLength: plan.maxLength });
      if (!verifyChallenge(publicKey, challenge, raw, plan.algorithm)) throw mismatch(certificate);

      const accepted = session;
      session = null;
      return new CardSession(this.client, slot, accepted, token, certificate, certs, keys, this.pollIntervalMs);
    } finally {
      zero(pin);
      if (session) await this.client.call({ op: 'closeSession', session }).catch(() => undefined);
    }
  }

  /** Finalizes the module and stops the worker. */
  async close(): Promise<void> {
    await this.client.close();
  }
}

function mismatch(cert: CardCertificate): ArxFailure {
  return new ArxFailure(
    'CARD_KEY_MISMATCH',
    `The certificate "${cert.label}" (id ${cert.id}, ${cert.subject}) does not belong to the key on the card: the proof of possession failed.`,
    { id: cert.id, fingerprint: cert.fingerprint },
  );
}

function pickLoginCertificate(certs: CardCertificate[], wanted: string | undefined): CardCertificate {
  const candidates = certs.filter((c) => LOGIN_ROLES.includes(c.role));
  if (wanted !== undefined) {
    const found = candidates.find((c) => c.id === wanted);
    if (!found)
      throw new ArxFailure('CARD_CERT_MISSING', `The card has no login certificate with id ${wanted}.`, { id: wanted });
    return found;
  }
  if (candidates.length === 0)
    throw new ArxFailure('CARD_CERT_MISSING', 'The card has no PIV Authentication or CAC ID certificate.');
  if (candidates.length > 1) {
    throw new ArxFailure('CARD_CERT_AMBIGUOUS', 'Several certificates on the card can log in: choose one.', {
      candidates: candidates.map((c) => ({ id: c.id, label: c.label, subject: c.subject })),
    });
  }
  return candidates[0]!;
}

/**
 * A logged-in card. Emits 'removed' (once) when the card leaves the reader; after that, and after
 * logout(), every operation fails with CARD_REMOVED or CARD_SESSION_CLOSED.
 */
export class CardSession extends EventEmitter<{ removed: [] }> {
  private state: 'open' | 'removed' | 'closed' = 'open';
  private readonly poller: RemovalPoller;

  constructor(
    private readonly client: Pkcs11Client,
    readonly slot: HandleHex,
    private readonly session: HandleHex,
    readonly token: TokenView,
    readonly certificate: CardCertificate,
    readonly certificates: readonly CardCertificate[],
    private readonly keys: readonly ObjectView[],
    pollIntervalMs: number,
  ) {
    super();
    this.poller = new RemovalPoller(client, slot, token.serialNumber, pollIntervalMs);
    this.poller.once('removed', () => this.markRemoved());
    this.poller.start();
  }

  /** PC/SC notices a pulled card at its next poll: a few checks over ~1.5 s tell a removal from a card error. */
  private async confirmGone(): Promise<boolean> {
    for (let i = 0; i < 4; i++) {
      if (await this.poller.check()) return true;
      await new Promise((r) => setTimeout(r, 400));
    }
    return false;
  }

  private markRemoved(): void {
    if (this.state !== 'open') return;
    this.state = 'removed';
    this.poller.stop();
    void this.client.call({ op: 'closeSession', session: this.session }).catch(() => undefined);
    this.emit('removed');
  }

  /**
   * Runs one card operation. A card pulled in the middle of it makes OpenSC answer
   * CKR_DEVICE_REMOVED or, depending on when PC/SC noticed, CKR_GENERAL_ERROR: a generic
   * failure while the card is no longer in its slot is reported as the removal it is.
   */
  private async operation<T>(what: string, run: () => Promise<T>): Promise<T> {
    this.assertOpen();
    try {
      return await run();
    } catch (err) {
      if (!(err instanceof ArxFailure) || (err.code !== 'CARD_ERROR' && err.code !== 'CARD_REMOVED')) throw err;
      if (err.code === 'CARD_ERROR' && !(await this.confirmGone())) throw err;
      this.markRemoved();
      throw new ArxFailure(
        'CARD_REMOVED',
        `The card was removed during the ${what}; nothing was ${what === 'signature' ? 'signed' : 'done'}.`,
        {
          operation: what,
          ckr: err.details?.ckr,
        },
      );
    }
  }

  get isOpen(): boolean {
    return this.state === 'open';
  }

  private assertOpen(): void {
    if (this.state === 'removed') throw new ArxFailure('CARD_REMOVED', 'The card was removed.');
    if (this.state === 'closed') throw new ArxFailure('CARD_SESSION_CLOSED', 'The card session is closed.');
  }

  /**
   * Signs `digest` (SHA-256/384/512) with the Digital Signature key (9C). When the key is
   * CKA_ALWAYS_AUTHENTICATE, the PIN goes to a context-specific C_Login right after C_SignInit.
   * `purpose` says what is being signed (shown to the user, never the PIN). The PIN buffer is
   * zero-filled on every path.
   */
  async signDigest(
    purpose: string,
    digest: Uint8Array,
    pin: Uint8Array | null,
    options: { rsa?: 'pss' | 'pkcs1' } = {},
  ): Promise<SignatureResult> {
    try {
      return await this.operation('signature', async () => {
        this.assertOpen();
        if (purpose.trim() === '') throw new ArxFailure('INVALID_REQUEST', 'Say what is being signed.');
        const certificate = this.certificates.find((c) => SIGNING_ROLES.includes(c.role));
        if (!certificate)
          throw new ArxFailure('CARD_CERT_MISSING', 'The card has no Digital Signature certificate (9C).');
        const key = this.keys.find((k) => k.id === certificate.id);
        if (!key)
          throw new ArxFailure(
            'CARD_KEY_MISSING',
            `The card has no private key for "${certificate.label}" (id ${certificate.id}).`,
            { id: certificate.id },
          );
        const plan = signingPlan(publicKeyOf(certificate), key.keyType, digest, options.rsa ?? 'pss');
        if (!plan) throw mismatch(certificate);
        if (key.alwaysAuthenticate && (!pin || pin.length === 0))
          throw new ArxFailure('PIN_INVALID', `Enter the PIN to sign: ${purpose}.`);
        await this.client.call({ op: 'signInit', session: this.session, key: key.handle, mechanism: plan.mechanism });
        if (key.alwaysAuthenticate) {
          try {
            await this.client.call({ op: 'login', session: this.session, userType: CKU_CONTEXT_SPECIFIC, pin });
          } catch (err) {
            // End the pending operation: "a call to C_Sign always terminates the active signing
            // operation" (PKCS#11 v2.40 §5.12); without the context login it fails, as intended.
            await this.client
              .call({ op: 'sign', session: this.session, data: plan.data, maxLength: plan.maxLength })
              .catch(() => undefined);
            throw err;
          }
        }
        const raw = await this.client.call({
          op: 'sign',
          session: this.session,
          data: plan.data,
          maxLength: plan.maxLength,
        });
        const result: SignatureResult = { purpose, algorithm: plan.algorithm, raw, certificate };
        if (plan.curve) result.der = ecdsaRawToDer(plan.curve, raw);
        return result;
      });
    } finally {
      zero(pin);
    }
  }

  /**
   * Signs `digest` (SHA-256) with the login key (PIV Authentication, 9A): ECDSA, or RSA PKCS#1
   * v1.5 as in the proof of possession. It needs no PIN per signature (PIV's 9A is "PIN once per
   * session"): this is what signs the operator's audit events (docs/events.md, "Writers").
   */
  async signWithLoginKey(digest: Uint8Array): Promise<SignatureResult> {
    this.assertOpen();
    const certificate = this.certificate;
    const key = this.keys.find((k) => k.id === certificate.id);
    if (!key) throw new ArxFailure('CARD_KEY_MISSING', `The card has no private key for "${certificate.label}".`);
    if (key.alwaysAuthenticate)
      throw new ArxFailure(
        'CARD_KEY_UNSUPPORTED',
        'The login key requires a PIN for every use; it cannot sign events.',
      );
    const plan = signingPlan(publicKeyOf(certificate), key.keyType, digest, 'pkcs1');
    if (!plan) throw mismatch(certificate);
    await this.client.call({ op: 'signInit', session: this.session, key: key.handle, mechanism: plan.mechanism });
    const raw = await this.client.call({
      op: 'sign',
      session: this.session,
      data: plan.data,
      maxLength: plan.maxLength,
    });
    const result: SignatureResult = { purpose: 'audit event', algorithm: plan.algorithm, raw, certificate };
    if (plan.curve) result.der = ecdsaRawToDer(plan.curve, raw);
    return result;
  }

  /** The key management certificate (PIV 9D, or CAC Email Encryption), or null when the card has none. */
  keyManagementCertificate(): CardCertificate | null {
    return this.certificates.find((c) => KEY_MANAGEMENT_ROLES.includes(c.role)) ?? null;
  }

  private keyManagementKey(expected: number): { certificate: CardCertificate; key: ObjectView; publicKey: KeyObject } {
    this.assertOpen();
    const certificate = this.keyManagementCertificate();
    if (!certificate) throw new ArxFailure('CARD_CERT_MISSING', 'The card has no Key Management certificate (9D).');
    const key = this.keys.find((k) => k.id === certificate.id);
    if (!key)
      throw new ArxFailure(
        'CARD_KEY_MISSING',
        `The card has no private key for "${certificate.label}" (id ${certificate.id}).`,
        { id: certificate.id },
      );
    if (key.keyType !== undefined && key.keyType !== expected) {
      throw new ArxFailure(
        'CARD_MECHANISM_UNSUPPORTED',
        `The Key Management key (id ${certificate.id}) is not of the type this operation needs.`,
        { id: certificate.id },
      );
    }
    return { certificate, key, publicKey: publicKeyOf(certificate) };
  }

  /**
   * ECDH on the card with the Key Management key (9D): C_DeriveKey, CKM_ECDH1_DERIVE, CKD_NULL, with
   * the peer's uncompressed point; returns the raw shared secret (the x-coordinate, as OpenSC does).
   * The login of this session is what authorises it (the operator gave the PIN at login).
   */
  async deriveSharedSecret(peerPoint: Uint8Array): Promise<Uint8Array> {
    const { key, publicKey } = this.keyManagementKey(CKK_EC);
    const curve = curveOf(publicKey.asymmetricKeyDetails?.namedCurve);
    if (!curve)
      throw new ArxFailure(
        'CARD_KEY_UNSUPPORTED',
        `The card's EC curve ${publicKey.asymmetricKeyDetails?.namedCurve ?? '?'} is not supported.`,
      );
    const length = { 'P-256': 32, 'P-384': 48, 'P-521': 66 }[curve];
    return this.operation('key agreement', () =>
      this.client.call({ op: 'deriveEcdh', session: this.session, key: key.handle, publicData: peerPoint, length }),
    );
  }

  /**
   * RSA-OAEP (SHA-1, MGF1-SHA-1, no label) decryption on the card with the Key Management key (9D).
   * SHA-1 because it is the OAEP that every PKCS#11 module offers (SoftHSM2 2.6 refuses any other
   * hash with CKR_ARGUMENTS_BAD); OAEP's security does not rest on the hash's collision resistance.
   */
  async decryptOaep(ciphertext: Uint8Array): Promise<Uint8Array> {
    const { key, publicKey } = this.keyManagementKey(CKK_RSA);
    const bytes = Math.ceil((publicKey.asymmetricKeyDetails?.modulusLength ?? 4096) / 8);
    return this.operation('decryption', () =>
      this.client.call({
        op: 'decrypt',
        session: this.session,
        key: key.handle,
        mechanism: { mechanism: CKM_RSA_PKCS_OAEP, oaep: { hashAlg: CKM_SHA_1, mgf: CKG_MGF1_SHA1 } },
        data: ciphertext,
        maxLength: bytes,
      }),
    );
  }

  /** C_Logout and C_CloseSession; stops removal polling. */
  async logout(): Promise<void> {
    const wasOpen = this.state === 'open';
    this.state = 'closed';
    this.poller.stop();
    if (!wasOpen) return;
    await this.client.call({ op: 'logout', session: this.session }).catch(() => undefined);
    await this.client.call({ op: 'closeSession', session: this.session }).catch(() => undefined);
  }
}
