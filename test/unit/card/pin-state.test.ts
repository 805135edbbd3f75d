// SoftHSM2 has no PIN retry counter, so the flag handling is tested with fabricated token flags,
// cross-checked against pkcs11js's constants.
import pkcs11js from 'pkcs11js';
import { describe, expect, it } from 'vitest';
import * as pin from '../../../electron/main/card/pin-state';

const INITIALIZED = pkcs11js.CKF_TOKEN_INITIALIZED | pkcs11js.CKF_USER_PIN_INITIALIZED | pkcs11js.CKF_LOGIN_REQUIRED;

describe('pinStateFromFlags', () => {
  it('uses the PKCS#11 flag values', () => {
    expect(pin.CKF_USER_PIN_COUNT_LOW).toBe(pkcs11js.CKF_USER_PIN_COUNT_LOW);
    expect(pin.CKF_USER_PIN_FINAL_TRY).toBe(pkcs11js.CKF_USER_PIN_FINAL_TRY);
    expect(pin.CKF_USER_PIN_LOCKED).toBe(pkcs11js.CKF_USER_PIN_LOCKED);
    expect(pin.CKF_PROTECTED_AUTHENTICATION_PATH).toBe(pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH);
  });

  it('ok when no PIN flag is set', () => {
    expect(pin.pinStateFromFlags(INITIALIZED)).toEqual({
      level: 'ok',
      pinPad: false,
      needsConfirmation: false,
      refuse: false,
      message: '',
    });
  });

  it('count low is a warning', () => {
    const s = pin.pinStateFromFlags(INITIALIZED | pkcs11js.CKF_USER_PIN_COUNT_LOW);
    expect(s).toMatchObject({ level: 'warning', needsConfirmation: false, refuse: false });
    expect(s.message).toMatch(/wrong PIN/);
  });

  it('final try needs explicit confirmation (and wins over count low)', () => {
    const s = pin.pinStateFromFlags(INITIALIZED | pkcs11js.CKF_USER_PIN_COUNT_LOW | pkcs11js.CKF_USER_PIN_FINAL_TRY);
    expect(s).toMatchObject({ level: 'final-try', needsConfirmation: true, refuse: false });
    expect(s.message).toMatch(/locks the card/);
  });

  it('locked refuses and sends the user to the issuing office (and wins over everything)', () => {
    const s = pin.pinStateFromFlags(INITIALIZED | pkcs11js.CKF_USER_PIN_FINAL_TRY | pkcs11js.CKF_USER_PIN_LOCKED);
    expect(s).toMatchObject({ level: 'locked', refuse: true });
    expect(s.message).toContain('must be unblocked by the issuing office');
  });

  it('a protected authentication path means a PIN pad login, whatever the PIN level', () => {
    expect(pin.pinStateFromFlags(INITIALIZED | pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH)).toMatchObject({
      level: 'ok',
      pinPad: true,
    });
    expect(
      pin.pinStateFromFlags(INITIALIZED | pkcs11js.CKF_PROTECTED_AUTHENTICATION_PATH | pkcs11js.CKF_USER_PIN_FINAL_TRY),
    ).toMatchObject({
      level: 'final-try',
      pinPad: true,
    });
  });
});
