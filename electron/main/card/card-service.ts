/**
 * The card service: readers, cards, certificates, and login with proof of possession. All PKCS#11
 * calls go through the worker (`pkcs11-client.ts`). PINs arrive as Uint8Array, go to C_Login
 * only, and are zero-filled on every path. The logged-in card is a `CardSession`.
 */
import { createHash, randomBytes } from 'node:crypto';
import { ArxFailure } from '../../../shared/contract';
import { describeCert, mismatch, pickLoginCertificate, publicKeyOf, type CardCertificate } from './card-certificate';
import { CardSession } from './card-session';
import { Pkcs11Client, type Pkcs11ClientOptions } from './pkcs11-client';
import type { HandleHex, SlotView, TokenView } from './pkcs11-protocol';
import { pinStateFromFlags, wipePin, type PinState } from './pin-state';
import { CHUID_LABEL, parseChuid, type CardIdentity } from './chuid';
import { signingPlan, verifyChallenge } from './signing-plan';

export type { CardCertificate } from './card-certificate';
export { CardSession, type SignatureResult } from './card-session';

// PKCS#11 v2.40 constants used here (kept local so that this file never loads the native module).
const CKO_CERTIFICATE = 1;
const CKO_PRIVATE_KEY = 3;
const CKU_USER = 1;

export interface CardSlot extends SlotView {
  /** Null when no token is present, or its info cannot be read. */
  token: TokenView | null;
  pinState: PinState | null;
}

export interface LoginOptions {
  /** CKA_ID (hex) of the login certificate, when several qualify and the user picked one. */
  certificateId?: string;
  /** The user confirmed a login attempt on the final try. */
  confirmFinalTry?: boolean;
}

export interface CardServiceOptions extends Pkcs11ClientOptions {
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

  /**
   * Loads and initialises the module in the card module's process. CARD_MODULE_UNAVAILABLE names
   * the path; CARD_MODULE_UNRESPONSIVE says it did not answer in time.
   */
  static async open(options: CardServiceOptions): Promise<CardService> {
    const { client, library } = await Pkcs11Client.start(options.modulePath, {
      ...(options.deadlines ? { deadlines: options.deadlines } : {}),
      ...(options.launcher ? { launcher: options.launcher } : {}),
    });
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
   * The card's identity from its CHUID (FASC-N, GUID): a public data object, no PIN. Null when the
   * card has none (SoftHSM2, a CAC-only card) or it does not parse.
   */
  async readIdentity(slot: HandleHex): Promise<CardIdentity | null> {
    const session = await this.client.call({ op: 'openSession', slot });
    try {
      const value = await this.client.call({ op: 'readData', session, label: CHUID_LABEL });
      return value ? parseChuid(value) : null;
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
      wipePin(pin);

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
      wipePin(pin);
      if (session) await this.client.call({ op: 'closeSession', session }).catch(() => undefined);
    }
  }

  /** The card module's process id (tests), or undefined while none runs. */
  get modulePid(): number | undefined {
    return this.client.pid;
  }

  /**
   * C_Finalize, then the module's process is killed: bounded even when the module never answers.
   * Resolves with what went wrong on the way (CARD_MODULE_UNRESPONSIVE), or null.
   */
  async close(): Promise<ArxFailure | null> {
    return this.client.close();
  }
}
