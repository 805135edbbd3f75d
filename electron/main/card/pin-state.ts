/**
 * The PIN state a token reports in CK_TOKEN_INFO.flags (PKCS#11 v2.40 §3.2, CK_TOKEN_INFO).
 * Pure, so that it can be tested with fabricated flags: SoftHSM2 has no retry counter.
 */
export const CKF_PROTECTED_AUTHENTICATION_PATH = 0x100;
export const CKF_USER_PIN_COUNT_LOW = 0x10000;
export const CKF_USER_PIN_FINAL_TRY = 0x20000;
export const CKF_USER_PIN_LOCKED = 0x40000;
export const CKF_USER_PIN_TO_BE_CHANGED = 0x80000;

export interface PinState {
  /** ok; warning: a wrong PIN was entered since the last good one; final-try: the next wrong PIN locks the card; locked: refuse. */
  level: 'ok' | 'warning' | 'final-try' | 'locked';
  /** The reader has a PIN pad: C_Login is called without a PIN and the user types it on the reader. */
  pinPad: boolean;
  /** A login attempt needs an explicit confirmation from the user first (final try). */
  needsConfirmation: boolean;
  /** Login must not be attempted at all. */
  refuse: boolean;
  /** What to tell the user; empty when there is nothing to say. */
  message: string;
}

export function pinStateFromFlags(flags: number): PinState {
  const pinPad = (flags & CKF_PROTECTED_AUTHENTICATION_PATH) !== 0;
  if (flags & CKF_USER_PIN_LOCKED) {
    return {
      level: 'locked',
      pinPad,
      needsConfirmation: false,
      refuse: true,
      message: 'The PIN is locked. The card must be unblocked by the issuing office.',
    };
  }
  if (flags & CKF_USER_PIN_FINAL_TRY) {
    return {
      level: 'final-try',
      pinPad,
      needsConfirmation: true,
      refuse: false,
      message: 'Final try: one more wrong PIN locks the card, and only the issuing office can unblock it.',
    };
  }
  if (flags & CKF_USER_PIN_COUNT_LOW) {
    return {
      level: 'warning',
      pinPad,
      needsConfirmation: false,
      refuse: false,
      message: 'A wrong PIN was entered recently: few tries are left before the card locks.',
    };
  }
  return { level: 'ok', pinPad, needsConfirmation: false, refuse: false, message: '' };
}

/** Zero-fills a PIN buffer; every path that was handed one calls this. */
export function wipePin(pin: Uint8Array | null | undefined): void {
  pin?.fill(0);
}
