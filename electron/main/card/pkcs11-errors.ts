/**
 * PKCS#11 return values (CKR_*) mapped to the console's stable error codes. Pure: the worker calls
 * it with the name pkcs11js reports (`Pkcs11Error.message`, e.g. "CKR_PIN_INCORRECT"). Messages
 * never contain a PIN or anything the caller passed in; they name the function and the CKR value.
 */
import { ArxFailure, type ArxError, type ErrorCode } from '../../../shared/contract';

const CKR_TO_CODE: Readonly<Record<string, { code: ErrorCode; message: string }>> = {
  CKR_PIN_INCORRECT: { code: 'PIN_INCORRECT', message: 'The PIN is incorrect.' },
  CKR_PIN_INVALID: { code: 'PIN_INVALID', message: 'The PIN contains characters the card does not accept.' },
  CKR_PIN_LEN_RANGE: { code: 'PIN_INVALID', message: 'The PIN is too short or too long for this card.' },
  CKR_PIN_LOCKED: {
    code: 'PIN_LOCKED',
    message: 'The PIN is locked. The card must be unblocked by the issuing office.',
  },
  CKR_PIN_EXPIRED: { code: 'PIN_EXPIRED', message: 'The PIN has expired and must be changed at the issuing office.' },
  CKR_TOKEN_NOT_PRESENT: { code: 'CARD_REMOVED', message: 'The card was removed.' },
  CKR_DEVICE_REMOVED: { code: 'CARD_REMOVED', message: 'The card or reader was removed.' },
  CKR_TOKEN_NOT_RECOGNIZED: { code: 'CARD_ERROR', message: 'The card in the reader is not recognised.' },
  CKR_SLOT_ID_INVALID: { code: 'CARD_REMOVED', message: 'The reader is no longer available.' },
  CKR_SESSION_HANDLE_INVALID: { code: 'CARD_SESSION_CLOSED', message: 'The card session is no longer open.' },
  CKR_SESSION_CLOSED: { code: 'CARD_SESSION_CLOSED', message: 'The card session was closed.' },
  CKR_USER_NOT_LOGGED_IN: { code: 'CARD_NOT_LOGGED_IN', message: 'The card requires a PIN for this operation.' },
  CKR_FUNCTION_CANCELED: { code: 'CANCELLED', message: 'The operation was cancelled.' },
  CKR_MECHANISM_INVALID: {
    code: 'CARD_MECHANISM_UNSUPPORTED',
    message: 'The card does not support this signature mechanism.',
  },
  CKR_MECHANISM_PARAM_INVALID: {
    code: 'CARD_MECHANISM_UNSUPPORTED',
    message: 'The card refused the signature mechanism parameters.',
  },
  CKR_KEY_TYPE_INCONSISTENT: {
    code: 'CARD_MECHANISM_UNSUPPORTED',
    message: 'The key type does not fit the signature mechanism.',
  },
  CKR_DATA_LEN_RANGE: { code: 'CARD_ERROR', message: 'The data to sign has a length the card does not accept.' },
  CKR_CRYPTOKI_NOT_INITIALIZED: { code: 'CARD_MODULE_UNAVAILABLE', message: 'The PKCS#11 module is not initialised.' },
};

/** Maps a PKCS#11 failure of `fn` (e.g. "C_Login") with return value name `ckr` to an ArxError. */
export function mapCkr(ckr: string, fn: string): ArxError {
  const known = CKR_TO_CODE[ckr];
  const details = { ckr, function: fn };
  if (known) return { code: known.code, message: `${known.message} (${fn}: ${ckr})`, details };
  return { code: 'CARD_ERROR', message: `The card reported ${ckr} from ${fn}.`, details };
}

/**
 * Turns anything the worker caught into an ArxError. pkcs11js throws Pkcs11Error (name
 * "Pkcs11Error", message the CKR name), NativeError, or TypeError for bad arguments; only the
 * CKR name or the error's class goes into the message.
 */
export function toCardError(err: unknown, fn: string): ArxError {
  if (err instanceof ArxFailure) return err.toError();
  const e = err as { name?: unknown; message?: unknown };
  const message = typeof e?.message === 'string' ? e.message : '';
  const ckr = /^(CKR_[A-Z0-9_]+)/.exec(message)?.[1];
  if (ckr) return mapCkr(ckr, fn);
  const kind = typeof e?.name === 'string' ? e.name : 'Error';
  return { code: 'CARD_ERROR', message: `The PKCS#11 call ${fn} failed (${kind}).`, details: { function: fn } };
}
