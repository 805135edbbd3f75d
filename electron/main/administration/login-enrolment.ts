import { enrolOperatorLogin, operatorRoleName } from '../controlplane/repos/operator-logins';
import { prepareOperatorLogin } from '../crypto/operator-login-wrap';
import type { LoginEnroller } from './bootstrap';

/**
 * An operator's database login: a random password that the server receives only as a SCRAM
 * verifier and the control plane keeps only wrapped to the card's Key Management key. Nobody, the
 * DBA included, sees the password.
 */
export const enrolCardLogin: LoginEnroller = (admin, operatorId, keyManagementDer) =>
  enrolOperatorLogin(admin, { operatorId, ...prepareOperatorLogin(operatorRoleName(operatorId), keyManagementDer) });
