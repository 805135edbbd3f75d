import { describe, expect, it } from 'vitest';
import {
  LOGIN_ROLES,
  PIV_KEY_REFERENCE,
  SIGNING_ROLES,
  roleOf,
  type CardObjectRole,
} from '../../../electron/main/card/piv-objects';

describe('card object roles (OpenSC PIV and CAC labels)', () => {
  it.each([
    ['Certificate for PIV Authentication', '01', 'piv-authentication', '9A'],
    ['PIV AUTH key', '01', 'piv-authentication', '9A'],
    ['Certificate for Digital Signature', '02', 'digital-signature', '9C'],
    ['SIGN key', '02', 'digital-signature', '9C'],
    ['KEY MAN key', '03', 'key-management', '9D'],
    ['CARD AUTH key', '04', 'card-authentication', '9E'],
  ])('%s (id %s) is %s = %s', (label, id, role, ref) => {
    const r = roleOf(label, id);
    expect(r).toBe(role);
    expect(PIV_KEY_REFERENCE[r]).toBe(ref);
  });

  it('falls back to the PIV id when the label is unknown', () => {
    expect(roleOf('whatever', '01')).toBe('piv-authentication');
    expect(roleOf('whatever', '02')).toBe('digital-signature');
  });

  it('knows the CAC-only labels, which have no PIV key reference', () => {
    expect(roleOf('CAC ID Certificate', '0100')).toBe('cac-id');
    expect(roleOf('CAC Email Signature Certificate', '0101')).toBe('cac-email-signature');
    expect(roleOf('CAC Email Encryption Certificate', '0102')).toBe('cac-email-encryption');
    expect(PIV_KEY_REFERENCE['cac-id']).toBeUndefined();
  });

  it('anything else is other', () => {
    expect(roleOf('My key', '99')).toBe('other');
  });
});

// Every label OpenSC's PIV driver gives the objects of the four PIV keys (private key, public key,
// certificate), and the CAC driver's certificate labels; ids that say nothing, so the label decides.
const PIV_LABELS: readonly [string, CardObjectRole, string][] = [
  ['PIV AUTH key', 'piv-authentication', '9A'],
  ['PIV AUTH pubkey', 'piv-authentication', '9A'],
  ['Certificate for PIV Authentication', 'piv-authentication', '9A'],
  ['SIGN key', 'digital-signature', '9C'],
  ['SIGN pubkey', 'digital-signature', '9C'],
  ['Certificate for Digital Signature', 'digital-signature', '9C'],
  ['KEY MAN key', 'key-management', '9D'],
  ['KEY MAN pubkey', 'key-management', '9D'],
  ['Certificate for Key Management', 'key-management', '9D'],
  ['CARD AUTH key', 'card-authentication', '9E'],
  ['CARD AUTH pubkey', 'card-authentication', '9E'],
  ['Certificate for Card Authentication', 'card-authentication', '9E'],
];
const CAC_LABELS: readonly [string, CardObjectRole][] = [
  ['CAC ID Certificate', 'cac-id'],
  ['CAC Email Signature Certificate', 'cac-email-signature'],
  ['CAC Email Encryption Certificate', 'cac-email-encryption'],
];

describe('every label and id mapped to its PIV role', () => {
  it.each(PIV_LABELS)('OpenSC label %s is %s (%s), whatever its id', (label, role, ref) => {
    for (const id of ['', '99', '01', '04']) expect(roleOf(label, id)).toBe(role);
    expect(PIV_KEY_REFERENCE[role]).toBe(ref);
  });

  it.each(CAC_LABELS)('CAC label %s is %s, with no PIV key reference', (label, role) => {
    expect(roleOf(label, '0100')).toBe(role);
    expect(roleOf(label, '02')).toBe(role);
    expect(PIV_KEY_REFERENCE[role]).toBeUndefined();
  });

  it.each([
    ['01', 'piv-authentication', '9A'],
    ['02', 'digital-signature', '9C'],
    ['03', 'key-management', '9D'],
    ['04', 'card-authentication', '9E'],
  ] as const)('an unlabelled or unknown object with CKA_ID %s is %s (%s)', (id, role, ref) => {
    expect(roleOf('', id)).toBe(role);
    expect(roleOf('Private key', id)).toBe(role);
    expect(PIV_KEY_REFERENCE[roleOf('', id)]).toBe(ref);
  });

  it('the label wins over the id; surrounding blanks are ignored, case is not', () => {
    expect(roleOf('SIGN key', '01')).toBe('digital-signature');
    expect(roleOf('  KEY MAN key \n', '')).toBe('key-management');
    expect(roleOf('sign key', '')).toBe('other');
    expect(roleOf('CERTIFICATE FOR DIGITAL SIGNATURE', '')).toBe('other');
  });

  it('an id is compared as lowercase hex, and only the four PIV ids count', () => {
    expect(roleOf('', '0A')).toBe('other');
    expect(roleOf('', '1')).toBe('other');
    expect(roleOf('', '0001')).toBe('other');
    // OpenSC's retired key-management keys (ids 05..18) have no role here.
    expect(roleOf('RETIRED KEY MAN 1', '05')).toBe('other');
    expect(roleOf('Retired Certificate for Key Management 1', '05')).toBe('other');
  });

  it('an unknown label with an unknown id, or with none, maps to nothing', () => {
    expect(roleOf('My key', '99')).toBe('other');
    expect(roleOf('', '')).toBe('other');
    expect(PIV_KEY_REFERENCE.other).toBeUndefined();
  });

  it('login and signing roles: PIV Authentication or CAC ID; Digital Signature or CAC Email Signature', () => {
    expect(LOGIN_ROLES).toEqual(['piv-authentication', 'cac-id']);
    expect(SIGNING_ROLES).toEqual(['digital-signature', 'cac-email-signature']);
    expect(LOGIN_ROLES.filter((r) => SIGNING_ROLES.includes(r))).toEqual([]);
  });
});
