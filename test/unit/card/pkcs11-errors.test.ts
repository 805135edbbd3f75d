import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../../shared/contract';
import { mapCkr, toCardError } from '../../../electron/main/card/pkcs11-errors';

describe('PKCS#11 errors to stable codes', () => {
  it.each([
    ['CKR_PIN_INCORRECT', 'PIN_INCORRECT'],
    ['CKR_PIN_LOCKED', 'PIN_LOCKED'],
    ['CKR_PIN_LEN_RANGE', 'PIN_INVALID'],
    ['CKR_TOKEN_NOT_PRESENT', 'CARD_REMOVED'],
    ['CKR_DEVICE_REMOVED', 'CARD_REMOVED'],
    ['CKR_SESSION_HANDLE_INVALID', 'CARD_SESSION_CLOSED'],
    ['CKR_USER_NOT_LOGGED_IN', 'CARD_NOT_LOGGED_IN'],
    ['CKR_FUNCTION_CANCELED', 'CANCELLED'],
    ['CKR_MECHANISM_INVALID', 'CARD_MECHANISM_UNSUPPORTED'],
    ['CKR_GENERAL_ERROR', 'CARD_ERROR'],
  ])('%s -> %s, naming the function and the CKR value', (ckr, code) => {
    const e = mapCkr(ckr, 'C_Login');
    expect(e.code).toBe(code);
    expect(ERROR_CODES).toContain(e.code);
    expect(e.message).toContain(ckr);
    expect(e.details).toEqual({ ckr, function: 'C_Login' });
  });

  it('reads the CKR name from a pkcs11js Pkcs11Error', () => {
    const err = Object.assign(new Error('CKR_PIN_INCORRECT'), { name: 'Pkcs11Error', code: 0xa0 });
    expect(toCardError(err, 'C_Login').code).toBe('PIN_INCORRECT');
  });

  it('never copies the text of a non-PKCS#11 error into the message', () => {
    const e = toCardError(new TypeError('Argument 2 has wrong type: 123456'), 'C_Login');
    expect(e.code).toBe('CARD_ERROR');
    expect(e.message).not.toContain('123456');
    expect(e.message).toContain('TypeError');
  });
});
