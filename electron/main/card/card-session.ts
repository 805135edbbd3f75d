/**
 * A logged-in card session: signing with the Digital Signature and login keys, key agreement and
 * decryption with the Key Management key, and removal while it is open.
 */
import { EventEmitter } from 'node:events';
import type { KeyObject } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import type { CardCertificate } from './card-certificate';
import { KEY_MANAGEMENT_ROLES, mismatch, publicKeyOf } from './card-certificate';
import type { Pkcs11Client } from './pkcs11-client';
import type { HandleHex, ObjectView, TokenView } from './pkcs11-protocol';
import { wipePin } from './pin-state';
import { SIGNING_ROLES } from './piv-objects';
import { RemovalPoller } from './removal-poller';
import { curveOf, ecdsaRawToDer } from './signature-encoding';
import { CKK_EC, CKK_RSA, RSA_OAEP_SHA1, signingPlan, type SignatureAlgorithm } from './signing-plan';

const CKU_USER = 1;
const CKU_CONTEXT_SPECIFIC = 2;

export interface SignatureResult {
  purpose: string;
  algorithm: SignatureAlgorithm;
  /** What PKCS#11 returned: r‖s for ECDSA, the RSA signature otherwise. */
  raw: Uint8Array;
  /** ECDSA only: the DER ECDSA-Sig-Value that X.509, CMS and OpenSSL expect. */
  der?: Uint8Array;
  certificate: CardCertificate;
}

/**
 * A logged-in card. Emits 'removed' (once) when the card leaves the reader; after that, and after
 * logout(), every operation fails with CARD_REMOVED or CARD_SESSION_CLOSED.
 */
export class CardSession extends EventEmitter<{ removed: [] }> {
  private state: 'open' | 'removed' | 'closed' = 'open';
  /**
   * A wrong signature PIN: a failed VERIFY clears the card's PIN status, and OpenSC then forgets the
   * session's user login (a context-specific login answers CKR_OPERATION_NOT_INITIALIZED).
   */
  private userLoginLost = false;
  private readonly poller: RemovalPoller;
  /** The module's process ended (crash, a missed deadline, close): this session went with it. */
  private readonly onLost = (): void => this.markRemoved();

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
    client.once('lost', this.onLost);
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
    this.client.off('lost', this.onLost);
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
  /** Logs the user in again with the PIN given for this signature (the same PIV PIN). */
  private async restoreUserLogin(pin: Uint8Array | null): Promise<void> {
    // The client zero-fills what it is given, and the context-specific login needs the PIN next.
    const copy = pin ? Uint8Array.from(pin) : null;
    try {
      await this.client.call({ op: 'login', session: this.session, userType: CKU_USER, pin: copy });
    } catch (err) {
      if (!(err instanceof ArxFailure && err.details?.ckr === 'CKR_USER_ALREADY_LOGGED_IN')) throw err;
    }
    this.userLoginLost = false;
  }

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
        if (key.alwaysAuthenticate && this.userLoginLost) await this.restoreUserLogin(pin);
        await this.client.call({ op: 'signInit', session: this.session, key: key.handle, mechanism: plan.mechanism });
        if (key.alwaysAuthenticate) {
          try {
            await this.client.call({ op: 'login', session: this.session, userType: CKU_CONTEXT_SPECIFIC, pin });
          } catch (err) {
            if (err instanceof ArxFailure && err.code === 'PIN_INCORRECT') this.userLoginLost = true;
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
      wipePin(pin);
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
        mechanism: RSA_OAEP_SHA1,
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
    this.client.off('lost', this.onLost);
    if (!wasOpen) return;
    await this.client.call({ op: 'logout', session: this.session }).catch(() => undefined);
    await this.client.call({ op: 'closeSession', session: this.session }).catch(() => undefined);
  }
}
