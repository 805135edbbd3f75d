import type { ArxFailure } from '../../../shared/contract';
import type { CardCertificate, CardSlot, LoginOptions, SignatureResult } from './card-service';
import type { CardIdentity } from './chuid';

/** What operator login needs of a card: the CardService over PKCS#11, or a stand-in in UI tests. */
export interface CardBackend {
  listSlots(): Promise<CardSlot[]>;
  listCertificates(slot: string): Promise<CardCertificate[]>;
  /** The CHUID's FASC-N and GUID (PIV cards); absent on UI stand-ins. */
  readIdentity?(slot: string): Promise<CardIdentity | null>;
  login(slot: string, pin: Uint8Array | null, options: LoginOptions): Promise<LoggedInCard>;
  /** Bounded even when the module never answers; says what went wrong on the way (or null / nothing). */
  close(): Promise<ArxFailure | null | void>;
}

/** A card after C_Login and proof of possession. */
export interface LoggedInCard {
  readonly slot: string;
  readonly token: { label: string; serialNumber: string };
  readonly certificate: CardCertificate;
  /** Every certificate on the card (read at login); absent on UI stand-ins. */
  readonly certificates?: readonly CardCertificate[];
  readonly isOpen: boolean;
  once(event: 'removed', listener: () => void): unknown;
  logout(): Promise<void>;
  /** The Digital Signature key (9C); absent on UI stand-ins that cannot sign. */
  signDigest?(
    purpose: string,
    digest: Uint8Array,
    pin: Uint8Array | null,
    options?: { rsa?: 'pss' | 'pkcs1' },
  ): Promise<SignatureResult>;
  /** The login key (9A), which signs the operator's audit events; absent on UI stand-ins. */
  signWithLoginKey?(digest: Uint8Array): Promise<SignatureResult>;
  /** The Key Management key (9D), for the local cache's data key (electron/main/cache); absent on UI stand-ins. */
  keyManagementCertificate?(): CardCertificate | null;
  deriveSharedSecret?(peerPoint: Uint8Array): Promise<Uint8Array>;
  decryptOaep?(ciphertext: Uint8Array): Promise<Uint8Array>;
}
