import { describe, expect, it } from 'vitest';
import { commonNameOf } from '../../../shared/ids';

describe('commonNameOf', () => {
  it('reads the CN of a DN as @peculiar/x509 prints it', () => {
    expect(commonNameOf('C=US, O=U.S. Government, OU=DoD, OU=PKI, OU=USA, CN=ADAMS.ALICE.ANN.1000000001')).toBe(
      'ADAMS.ALICE.ANN.1000000001',
    );
    expect(commonNameOf('CN=ARX TEST ROOT CA 1, O=U.S. Government, C=US')).toBe('ARX TEST ROOT CA 1');
  });

  it('unescapes commas and takes the last CN', () => {
    expect(commonNameOf('O=Acme\\, Inc., CN=Doe\\, Jane')).toBe('Doe, Jane');
    expect(commonNameOf('CN=outer, OU=x, CN=inner')).toBe('inner');
    // An escaped comma does not start an attribute: the O value cannot pose as the CN.
    expect(commonNameOf('CN=real, O=Acme\\, CN=fake')).toBe('real');
  });

  it('is not fooled by CN= inside another value, and keeps a DN with no CN whole', () => {
    expect(commonNameOf('O=XCN=evil, C=US')).toBe('O=XCN=evil, C=US');
    expect(commonNameOf('O=U.S. Government, C=US')).toBe('O=U.S. Government, C=US');
    expect(commonNameOf('')).toBe('');
  });
});
