/**
 * The message protocol between the card service (main thread) and the PKCS#11 worker. Each request
 * is one PKCS#11 primitive or a read of plain attributes; the worker holds no card logic (which key,
 * which certificate, when to log in: that is `card-service.ts`). Handles cross as hex strings,
 * binary data as Uint8Array. Requests travel in the envelope of workers/protocol.ts; every answer is
 * a value or an ArxError, nothing is thrown across.
 */

/** A PKCS#11 handle (slot, session, object) as lowercase hex of pkcs11js's handle buffer. */
export type HandleHex = string;

export interface SlotView {
  slot: HandleHex;
  description: string;
  manufacturer: string;
  /** CK_SLOT_INFO.flags */
  flags: number;
  tokenPresent: boolean;
}

export interface TokenView {
  label: string;
  manufacturer: string;
  model: string;
  serialNumber: string;
  /** CK_TOKEN_INFO.flags */
  flags: number;
}

export interface ObjectView {
  handle: HandleHex;
  /** CKA_CLASS */
  objectClass: number;
  /** CKA_ID as hex */
  id: string;
  /** CKA_LABEL */
  label: string;
  /** CKA_KEY_TYPE (keys only) */
  keyType?: number;
  /** CKA_VALUE (certificates only): the DER certificate */
  value?: Uint8Array;
  /** CKA_ALWAYS_AUTHENTICATE (private keys only) */
  alwaysAuthenticate?: boolean;
}

export interface MechanismParams {
  /** CKM_* */
  mechanism: number;
  /** CK_RSA_PKCS_PSS_PARAMS for CKM_RSA_PKCS_PSS */
  pss?: { hashAlg: number; mgf: number; saltLen: number };
}

export type Pkcs11Request =
  | { op: 'initialize'; modulePath: string }
  | { op: 'getSlots'; tokenPresent: boolean }
  | { op: 'getTokenInfo'; slot: HandleHex }
  | { op: 'openSession'; slot: HandleHex }
  | { op: 'closeSession'; session: HandleHex }
  /** `pin` is null for a protected authentication path (PIN pad). The worker zero-fills it after use. */
  | { op: 'login'; session: HandleHex; userType: number; pin: Uint8Array | null }
  | { op: 'logout'; session: HandleHex }
  | { op: 'findObjects'; session: HandleHex; objectClass: number }
  /** CKA_VALUE of the first data object (CKO_DATA) with this CKA_LABEL, or null when there is none. */
  | { op: 'readData'; session: HandleHex; label: string }
  | { op: 'signInit'; session: HandleHex; key: HandleHex; mechanism: MechanismParams }
  | { op: 'sign'; session: HandleHex; data: Uint8Array; maxLength: number }
  /**
   * C_DeriveKey with CKM_ECDH1_DERIVE / CKD_NULL (the raw shared secret x-coordinate) into a session
   * object, C_GetAttributeValue(CKA_VALUE), C_DestroyObject: the shared secret of `key` and the peer's
   * uncompressed EC point. Used for the cache's key wrapping (key management key, 9D).
   */
  | { op: 'deriveEcdh'; session: HandleHex; key: HandleHex; publicData: Uint8Array; length: number }
  /** C_DecryptInit + C_Decrypt in one step (RSA-OAEP with the key management key, 9D). */
  | {
      op: 'decrypt';
      session: HandleHex;
      key: HandleHex;
      mechanism: DecryptMechanism;
      data: Uint8Array;
      maxLength: number;
    }
  | { op: 'finalize' };

export interface DecryptMechanism {
  /** CKM_* */
  mechanism: number;
  /** CK_RSA_PKCS_OAEP_PARAMS for CKM_RSA_PKCS_OAEP (source CKZ_DATA_SPECIFIED, no label). */
  oaep?: { hashAlg: number; mgf: number };
}

export interface Pkcs11Results {
  initialize: { library: string; manufacturer: string };
  getSlots: SlotView[];
  getTokenInfo: TokenView;
  openSession: HandleHex;
  closeSession: null;
  login: null;
  logout: null;
  findObjects: ObjectView[];
  readData: Uint8Array | null;
  signInit: null;
  sign: Uint8Array;
  deriveEcdh: Uint8Array;
  decrypt: Uint8Array;
  finalize: null;
}

export type Pkcs11Op = Pkcs11Request['op'];
export type RequestFor<Op extends Pkcs11Op> = Extract<Pkcs11Request, { op: Op }>;

/** The PKCS#11 function each request stands for (named in error messages). */
export const FUNCTION_OF: Readonly<Record<Pkcs11Op, string>> = {
  initialize: 'C_Initialize',
  getSlots: 'C_GetSlotList',
  getTokenInfo: 'C_GetTokenInfo',
  openSession: 'C_OpenSession',
  closeSession: 'C_CloseSession',
  login: 'C_Login',
  logout: 'C_Logout',
  findObjects: 'C_FindObjects',
  readData: 'C_GetAttributeValue',
  signInit: 'C_SignInit',
  sign: 'C_Sign',
  deriveEcdh: 'C_DeriveKey',
  decrypt: 'C_Decrypt',
  finalize: 'C_Finalize',
};
