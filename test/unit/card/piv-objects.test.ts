import { describe, expect, it } from 'vitest';
import { PIV_KEY_REFERENCE, roleOf } from '../../../electron/main/card/piv-objects';

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
