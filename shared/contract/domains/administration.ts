/**
 * Administration of the control plane (docs/deployment.md): bootstrap, tenants, operators and
 * their enrolment from card certificates, role grants, gateway keys, the access review.
 */
export const ADMINISTRATION_ERROR_CODES = [
  /** `arx db bootstrap` on a control plane that already has an administrator. */
  'DB_ALREADY_BOOTSTRAPPED',
  /** A certificate file that cannot be read or holds no X.509 certificate. */
  'CERT_FILE_INVALID',
  /** A card's certificates lack PIV Authentication, Digital Signature or Key Management. */
  'ENROLMENT_CERTIFICATES_INCOMPLETE',
  /** An operator with this EDIPI is already enrolled. */
  'OPERATOR_ALREADY_ENROLLED',
] as const;
