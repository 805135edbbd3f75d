/**
 * The test cards' layout and people: the PIV key slots as OpenSC exposes them, one spec per card
 * (key type, certificate case, person, roles, the validation result expected), and what
 * provisioning returns. Test data only: the PINs are printed on purpose.
 */
import type { TestCardCase, TestCertUsage, TestPerson } from '../pki/test-pki';

export const SOFTHSM2_MODULE = '/usr/lib/softhsm/libsofthsm2.so';
export const TEST_CARD_PIN = '123456';
export const TEST_CARD_SO_PIN = '12345678';

/** The PIV key slots as OpenSC exposes them (id, key label, certificate label). */
export const PIV_SLOTS: readonly {
  id: string;
  usage: TestCertUsage;
  keyLabel: string;
  certLabel: string;
  pivKey: string;
}[] = [
  {
    id: '01',
    usage: 'piv-auth',
    keyLabel: 'PIV AUTH key',
    certLabel: 'Certificate for PIV Authentication',
    pivKey: '9A',
  },
  { id: '02', usage: 'signature', keyLabel: 'SIGN key', certLabel: 'Certificate for Digital Signature', pivKey: '9C' },
  {
    id: '03',
    usage: 'key-management',
    keyLabel: 'KEY MAN key',
    certLabel: 'Certificate for Key Management',
    pivKey: '9D',
  },
  {
    id: '04',
    usage: 'card-auth',
    keyLabel: 'CARD AUTH key',
    certLabel: 'Certificate for Card Authentication',
    pivKey: '9E',
  },
];

export interface TestCardSpec {
  label: string;
  keyType: 'ec' | 'rsa';
  case: TestCardCase;
  person: TestPerson;
  /** Role grants in every tenant the operator is registered in. */
  roles: string[];
  /** The error code validation must give for the PIV Authentication certificate (null: accepted). */
  expect: string | null;
  /** false: provisioned only, left for an administrator to enrol (registerTestOperators skips it). */
  enrol?: boolean;
}

export const TEST_CARDS: readonly TestCardSpec[] = [
  {
    label: 'ARX TEST ADAMS EC',
    keyType: 'ec',
    case: 'good',
    person: { last: 'ADAMS', first: 'ALICE', middle: 'ANN', edipi: '1000000001' },
    roles: ['policy-author', 'isso', 'administrator'],
    expect: null,
  },
  {
    label: 'ARX TEST BAKER RSA',
    keyType: 'rsa',
    case: 'good',
    person: { last: 'BAKER', first: 'BRUCE', middle: 'BO', edipi: '1000000002' },
    roles: ['approver', 'auditor'],
    expect: null,
  },
  {
    label: 'ARX TEST REVOKED',
    keyType: 'ec',
    case: 'revoked',
    person: { last: 'CARTER', first: 'CORA', middle: 'C', edipi: '1000000003' },
    roles: ['policy-author'],
    expect: 'CERT_REVOKED',
  },
  {
    label: 'ARX TEST EXPIRED',
    keyType: 'ec',
    case: 'expired',
    person: { last: 'DAVIS', first: 'DREW', middle: 'D', edipi: '1000000004' },
    roles: ['policy-author'],
    expect: 'CERT_EXPIRED',
  },
  {
    label: 'ARX TEST UNTRUSTED',
    keyType: 'ec',
    case: 'untrusted',
    person: { last: 'EVANS', first: 'ELI', middle: 'E', edipi: '1000000005' },
    roles: ['policy-author'],
    expect: 'CERT_UNTRUSTED',
  },
  {
    label: 'ARX TEST WRONG EKU',
    keyType: 'ec',
    case: 'wrong-eku',
    person: { last: 'FOSTER', first: 'FAY', middle: 'F', edipi: '1000000006' },
    roles: ['policy-author'],
    expect: 'CERT_WRONG_EKU',
  },
  {
    label: 'ARX TEST NO UPN',
    keyType: 'ec',
    case: 'no-upn',
    person: { last: 'GRANT', first: 'GUS', middle: 'G', edipi: '1000000007' },
    roles: ['policy-author'],
    expect: 'CERT_UPN_MISSING',
  },
];

export interface ProvisionedCertificate {
  id: string;
  pivKey: string;
  usage: TestCertUsage;
  keyLabel: string;
  certLabel: string;
  subject: string;
  serialNumber: string;
  notAfter: string;
  sha256: string;
  /** DER file of the certificate under the test-card directory. */
  file: string;
}

export interface ProvisionedCard {
  label: string;
  pin: string;
  soPin: string;
  edipi: string;
  displayName: string;
  keyType: 'ec' | 'rsa';
  case: TestCardCase;
  expect: string | null;
  roles: string[];
  certificates: ProvisionedCertificate[];
  /** false: not registered as an operator (TestCardSpec.enrol). */
  enrol?: boolean;
}

export interface ProvisionedTestCards {
  dir: string;
  module: string;
  softhsm2Conf: string;
  tokenDir: string;
  trustAnchors: string;
  intermediates: string;
  crls: string;
  /** Certificates of the CA that is NOT a trust anchor (for reference). */
  untrusted: string;
  policyArc: string;
  cards: ProvisionedCard[];
}
