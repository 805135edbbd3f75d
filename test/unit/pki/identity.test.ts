import 'reflect-metadata';
import {
  Extension,
  SubjectAlternativeNameExtension,
  X509CertificateGenerator,
  type JsonGeneralNames,
} from '@peculiar/x509';
import { describe, expect, it } from 'vitest';
import { ArxFailure } from '../../../shared/contract';
import { cardIdentity } from '../../../electron/main/pki/identity';

const keys = (await crypto.subtle.generateKey({ name: 'ECDSA', namedCurve: 'P-256' }, true, [
  'sign',
  'verify',
])) as CryptoKeyPair;

async function cert(cn: string, san: JsonGeneralNames | Extension | null) {
  const ext = san === null ? [] : [san instanceof Extension ? san : new SubjectAlternativeNameExtension(san)];
  return X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: `CN=${cn}, OU=USA, OU=PKI, OU=DoD, O=U.S. Government, C=US`,
    keys,
    signingAlgorithm: { name: 'ECDSA', hash: 'SHA-256' },
    extensions: ext,
  });
}

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(ArxFailure);
    return (err as ArxFailure).code;
  }
  throw new Error('expected a failure');
}

// DER by hand for SANs that @peculiar/x509 would refuse to build (that is the point).
const tlv = (tag: number, body: Uint8Array) => new Uint8Array([tag, body.length, ...body]);
const UPN_OID = new Uint8Array([0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0x82, 0x37, 0x14, 0x02, 0x03]);
function upnSanWithStringTag(stringTag: number, upn: string): Extension {
  const value = tlv(0xa0, tlv(stringTag, new TextEncoder().encode(upn)));
  return new Extension('2.5.29.17', false, tlv(0x30, tlv(0xa0, new Uint8Array([...UPN_OID, ...value]))));
}

describe('EDIPI from the UPN in the subject alternative name', () => {
  it('reads a CAC ID style certificate (10 digits @mil) and cross-checks the CN', async () => {
    const id = cardIdentity(
      await cert('DOE.JOHN.QUINCY.1234567890', [
        { type: 'email', value: 'john.doe@mail.mil' },
        { type: 'upn', value: '1234567890@mil' },
      ]),
    );
    expect(id).toMatchObject({
      edipi: '1234567890',
      upnForm: 'cac-id',
      lastName: 'DOE',
      firstName: 'JOHN',
      middleName: 'QUINCY',
      upn: '1234567890@mil',
    });
  });

  it('reads a PIV Authentication style certificate (16 digits, the first 10 are the EDIPI)', async () => {
    const id = cardIdentity(await cert('DOE.JANE.1234567890', [{ type: 'upn', value: '1234567890000001@mil' }]));
    expect(id).toMatchObject({ edipi: '1234567890', upnForm: 'piv-auth', middleName: null });
  });

  it('accepts a UPN written as a UTF8String by hand (the encoding real cards use)', async () => {
    expect(cardIdentity(await cert('DOE.JOHN.Q.1234567890', upnSanWithStringTag(0x0c, '1234567890@mil'))).edipi).toBe(
      '1234567890',
    );
  });

  it.each([
    ['no SAN at all', null, 'CERT_UPN_MISSING'],
    ['a SAN with only an e-mail address', [{ type: 'email', value: 'x@mail.mil' }], 'CERT_UPN_MISSING'],
    ['9 digits', [{ type: 'upn', value: '123456789@mil' }], 'EDIPI_MALFORMED'],
    ['11 digits', [{ type: 'upn', value: '12345678901@mil' }], 'EDIPI_MALFORMED'],
    ['another domain', [{ type: 'upn', value: '1234567890@army.mil' }], 'EDIPI_MALFORMED'],
    ['letters', [{ type: 'upn', value: '12345A7890@mil' }], 'EDIPI_MALFORMED'],
    [
      'two UPNs for two EDIPIs',
      [
        { type: 'upn', value: '1234567890@mil' },
        { type: 'upn', value: '9999999999@mil' },
      ],
      'EDIPI_MISMATCH',
    ],
    ['a UPN for another EDIPI than the CN', [{ type: 'upn', value: '1111111111000001@mil' }], 'EDIPI_MISMATCH'],
  ] as const)('refuses %s', async (_what, san, code) => {
    const c = await cert('DOE.JOHN.Q.1234567890', san as JsonGeneralNames | null);
    expect(codeOf(() => cardIdentity(c))).toBe(code);
  });

  it('refuses a UPN otherName whose value is not a string of the DirectoryString kinds (IA5String): EDIPI_MALFORMED', async () => {
    const c = await cert('DOE.JOHN.Q.1234567890', upnSanWithStringTag(0x16, '1234567890@mil'));
    expect(codeOf(() => cardIdentity(c))).toBe('EDIPI_MALFORMED');
  });

  it.each([
    ['a CN without an EDIPI', 'John Doe', 'EDIPI_MISSING'],
    ['a CN with too many parts', 'DOE.JOHN.Q.R.1234567890', 'EDIPI_MISSING'],
    ['a CN whose EDIPI is 9 digits', 'DOE.JOHN.Q.123456789', 'EDIPI_MALFORMED'],
    ['a CN for another EDIPI', 'DOE.JOHN.Q.1234567891', 'EDIPI_MISMATCH'],
  ])('refuses %s', async (_what, cn, code) => {
    const c = await cert(cn, [{ type: 'upn', value: '1234567890@mil' }]);
    const err = (() => {
      try {
        cardIdentity(c);
      } catch (e) {
        return e as ArxFailure;
      }
      throw new Error('expected a failure');
    })();
    expect(err.code).toBe(code);
    expect(err.message).toContain(cn); // the message names the subject
  });
});
