// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { ArxFailure } from '../../../shared/contract';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import type { CardCertificate } from './card-service';
import { KEY_MANAGEMENT_ROLES } from './card-certificate';
import { LOGIN_ROLES } from './piv-objects';

export interface LoginProblem {
  code: string;
  message: string;
}

export interface PrecheckDeps {
  trustStore: () => TrustStore;
  policy: ValidationPolicy;
  /** Throws what the control plane would refuse the login with (unreachable, not enrolled, another card). */
  checkLogin?: (edipi: string, keyManagementDer: Uint8Array | null) => Promise<void>;
}

/**
 * What can be known about a login before the PIN: the card holds a login certificate, it validates
 * (expired, revoked, untrusted), it names an EDIPI, and the control plane is reachable and has a
 * database login for that EDIPI wrapped to this card. Only public data is read; nothing is audited,
 * as nothing was attempted. The login itself checks all of it again.
 */
export async function precheckLogin(
  deps: PrecheckDeps,
  certs: CardCertificate[],
  certificateId: string | null,
): Promise<LoginProblem | null> {
  const login =
    certificateId !== null
      ? certs.find((c) => c.id === certificateId)
      : certs.find((c) => LOGIN_ROLES.includes(c.role));
  if (!login)
    return { code: 'CARD_CERT_MISSING', message: 'The card holds no login certificate (PIV Authentication, 9A).' };
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(new Uint8Array(login.der));
  } catch {
    return { code: 'CERT_MALFORMED', message: `The card's login certificate (${login.label}) cannot be read.` };
  }
  try {
    const validated = await validateCertificate(cert, deps.trustStore(), 'login', deps.policy);
    if (!validated.ok) return { code: validated.error.code, message: validated.error.message };
    const identity = validated.value.identity;
    if (!identity) return { code: 'EDIPI_MISSING', message: 'The login certificate carries no EDIPI.' };
    const km = certs.find((c) => KEY_MANAGEMENT_ROLES.includes(c.role))?.der ?? null;
    await deps.checkLogin?.(identity.edipi, km);
    return null;
  } catch (err) {
    if (err instanceof ArxFailure) return { code: err.code, message: err.message };
    throw err;
  }
}
