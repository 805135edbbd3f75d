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
  /** The acting operator is not a control-plane administrator (the database's word). */
  'ADMINISTRATOR_REQUIRED',
  /** The tenant, grant or request exists already. */
  'ADMINISTRATION_CONFLICT',
  /** A rule of the step: a grant needing approval, a request not pending, the last administrator. */
  'ADMINISTRATION_REFUSED',
  /** A self-grant, a self-approval or an administrator disabling themselves. */
  'ADMINISTRATION_SELF_REFUSED',
  /** The signed statement is not this step's, or not signed by the acting administrator's certificate. */
  'ADMINISTRATION_SIGNATURE_INVALID',
  /** A gateway verifier key text that does not parse, or names another key than the one asked for. */
  'GATEWAY_KEY_INVALID',
] as const;
