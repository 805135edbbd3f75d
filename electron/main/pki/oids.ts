/** Object identifiers used by the CAC/PIV profile and by our validation policy. */
export const OID = {
  /** Microsoft UPN otherName in the subject alternative name; carries the EDIPI on DoD cards. */
  upn: '1.3.6.1.4.1.311.20.2.3',
  subjectAltName: '2.5.29.17',
  certificatePolicies: '2.5.29.32',
  anyPolicy: '2.5.29.32.0',
  ekuSmartcardLogon: '1.3.6.1.4.1.311.20.2.2',
  ekuClientAuth: '1.3.6.1.5.5.7.3.2',
  ekuEmailProtection: '1.3.6.1.5.5.7.3.4',
  ekuPkinitClientAuth: '1.3.6.1.5.2.3.4',
  ekuDocumentSigning: '1.3.6.1.4.1.311.10.3.12',
  ekuPivCardAuth: '2.16.840.1.101.3.6.8',
  ekuAny: '2.5.29.37.0',
} as const;

/** DoD certificate policies live under this arc (id-US-dod-*, e.g. .9 medium hardware). */
export const DOD_POLICY_ARC = '2.16.840.1.101.2.1.11';

/**
 * The test PKI's own policy arc: the DoD arc mirrored under the X.660 example arc 2.999, so that a
 * test certificate can never satisfy a production policy configuration by accident.
 */
export const TEST_POLICY_ARC = '2.999.840.1.101.2.1.11';

/** True when `oid` equals `arc` or lies beneath it. */
export function isUnderArc(oid: string, arc: string): boolean {
  return oid === arc || oid.startsWith(`${arc}.`);
}
