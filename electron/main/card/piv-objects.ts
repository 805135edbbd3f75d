/**
 * Roles of the objects on a CAC/PIV card, from the labels and ids that OpenSC exposes.
 * PIV: NIST SP 800-73-4 key references 9A/9C/9D/9E appear in OpenSC's PKCS#11 view as CKA_ID
 * 01..04 with fixed labels. CAC-only (pre-PIV) cards carry their own certificate labels.
 */
export type CardObjectRole =
  | 'piv-authentication' // 9A
  | 'digital-signature' // 9C
  | 'key-management' // 9D
  | 'card-authentication' // 9E
  | 'cac-id'
  | 'cac-email-signature'
  | 'cac-email-encryption'
  | 'other';

const BY_LABEL: Readonly<Record<string, CardObjectRole>> = {
  'PIV AUTH key': 'piv-authentication',
  'PIV AUTH pubkey': 'piv-authentication',
  'Certificate for PIV Authentication': 'piv-authentication',
  'SIGN key': 'digital-signature',
  'SIGN pubkey': 'digital-signature',
  'Certificate for Digital Signature': 'digital-signature',
  'KEY MAN key': 'key-management',
  'KEY MAN pubkey': 'key-management',
  'Certificate for Key Management': 'key-management',
  'CARD AUTH key': 'card-authentication',
  'CARD AUTH pubkey': 'card-authentication',
  'Certificate for Card Authentication': 'card-authentication',
  'CAC ID Certificate': 'cac-id',
  'CAC Email Signature Certificate': 'cac-email-signature',
  'CAC Email Encryption Certificate': 'cac-email-encryption',
};

const BY_ID: Readonly<Record<string, CardObjectRole>> = {
  '01': 'piv-authentication',
  '02': 'digital-signature',
  '03': 'key-management',
  '04': 'card-authentication',
};

/** PIV key reference of a role (SP 800-73-4 Table 4b), for display. */
export const PIV_KEY_REFERENCE: Partial<Record<CardObjectRole, string>> = {
  'piv-authentication': '9A',
  'digital-signature': '9C',
  'key-management': '9D',
  'card-authentication': '9E',
};

/** The role of an object from its CKA_LABEL, or else its CKA_ID (hex). */
export function roleOf(label: string, idHex: string): CardObjectRole {
  return BY_LABEL[label.trim()] ?? BY_ID[idHex.toLowerCase()] ?? 'other';
}

/** Certificates that can log a user in: PIV Authentication, or CAC ID on a CAC-only card. */
export const LOGIN_ROLES: readonly CardObjectRole[] = ['piv-authentication', 'cac-id'];
/** Certificates whose key signs documents: PIV Digital Signature, or CAC Email Signature. */
export const SIGNING_ROLES: readonly CardObjectRole[] = ['digital-signature', 'cac-email-signature'];
