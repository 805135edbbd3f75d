// @peculiar/x509 resolves its algorithm providers through tsyringe, which needs the Reflect metadata polyfill.
import 'reflect-metadata';
import { X509Certificate } from '@peculiar/x509';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { WriterIdentity } from '../controlplane/chain-writer';
import type { TrustStore } from '../pki/trust-store';
import { validateCertificate, type ValidationPolicy } from '../pki/validate';
import type { CardBackend, LoggedInCard } from './card-backend';
import type { LoginOptions } from './card-service';

export interface EnrolledOperator {
  operatorId: string;
  displayName: string;
  status: 'active' | 'disabled';
  roles: { tenantId: string; tenant: string; role: string }[];
}

export type SessionAuditEvent =
  | {
      type: 'com.arx.session.opened';
      tenants: string[];
      data: { operatorId: string; edipi: string; certificateSha256: string; tokenLabel: string; roles: string[] };
    }
  | {
      type: 'com.arx.session.refused';
      tenants: string[];
      data: { edipi: string | null; certificateSha256: string | null; reason: string };
    }
  | {
      type: 'com.arx.session.closed';
      tenants: string[];
      data: { operatorId: string; edipi: string; reason: 'logout' | 'lock' | 'idle' | 'card-removed' };
      /** The closing session's writer and card signer (it is no longer the current session's). */
      writer?: WriterIdentity;
    };

/** What admitting an operator needs: the trust anchors, the operator directory and the audit log. */
export interface AdmissionDeps {
  trustStore: () => TrustStore;
  policy: ValidationPolicy;
  /**
   * Connects the operator's own database identity once the card is logged in and the certificate
   * validated, before the operator is looked up (operator-database.ts); absent without a control plane.
   */
  connect?: (edipi: string, card: LoggedInCard) => Promise<void>;
  /** The operator enrolled with this EDIPI and certificate, or null. DB_UNREACHABLE propagates. */
  findOperator: (edipi: string, certificateSha256: string) => Promise<EnrolledOperator | null>;
  audit: (event: SessionAuditEvent) => Promise<void>;
}

export interface CardLoginRequest {
  slot: string;
  certificateId: string | null;
  pin: string | null;
  confirmFinalTry: boolean;
}

/** C_Login and proof of possession on the card; the PIN is wiped on every path, a refusal audited. */
export async function loginCard(
  backend: CardBackend,
  req: CardLoginRequest,
  audit: AdmissionDeps['audit'],
): Promise<LoggedInCard> {
  const pin = req.pin === null ? null : new TextEncoder().encode(req.pin);
  try {
    const options: LoginOptions = { confirmFinalTry: req.confirmFinalTry };
    if (req.certificateId !== null) options.certificateId = req.certificateId;
    return await backend.login(req.slot, pin, options);
  } catch (err) {
    // A wrong PIN is recorded (never the PIN itself); the operator is not known yet.
    // Known limit: with no operator there is no tenant, so `tenants: []` reaches the audit
    // writer, which records it in every tenant's chain on the embedded default only
    // (session-audit.ts); on an on-prem control plane they go to the local log only.
    const code = err instanceof ArxFailure ? err.code : 'CARD_ERROR';
    if (code === 'PIN_INCORRECT' || code === 'PIN_LOCKED' || code === 'CARD_KEY_MISMATCH') {
      await audit({
        type: 'com.arx.session.refused',
        tenants: [],
        data: { edipi: null, certificateSha256: null, reason: code },
      }).catch(() => {});
    }
    throw err;
  } finally {
    pin?.fill(0);
  }
}

/** Audits a refused login with its reason, then throws it. */
function refusal(audit: AdmissionDeps['audit']) {
  return async (
    code: string,
    message: string,
    edipi: string | null,
    sha256: string | null,
    details: Record<string, unknown> = {},
  ): Promise<never> => {
    await audit({
      type: 'com.arx.session.refused',
      tenants: [],
      data: { edipi, certificateSha256: sha256, reason: code },
    }).catch(() => {});
    throw new ArxFailure(code, message, details);
  };
}

/** Validates the login certificate and finds the enrolled operator; refusals are audited with their reason. */
export async function admitOperator(
  deps: AdmissionDeps,
  card: LoggedInCard,
  now: () => Date,
): Promise<{ session: OperatorSession; tenants: string[] }> {
  const refuse = refusal(deps.audit);
  const cert = new X509Certificate(new Uint8Array(card.certificate.der));
  const validated = await validateCertificate(cert, deps.trustStore(), 'login', deps.policy);
  if (!validated.ok)
    return refuse(
      validated.error.code,
      validated.error.message,
      null,
      card.certificate.fingerprint,
      validated.error.details,
    );
  const identity = validated.value.identity;
  if (!identity)
    return refuse('EDIPI_MISSING', 'The login certificate carries no EDIPI.', null, validated.value.sha256);
  try {
    await deps.connect?.(identity.edipi, card);
  } catch (err) {
    // A refused database login is a refused login (audited); an unreachable database is not.
    if (err instanceof ArxFailure && err.code.startsWith('OPERATOR_'))
      return refuse(err.code, err.message, identity.edipi, validated.value.sha256, err.details ?? {});
    throw err;
  }
  const operator = await deps.findOperator(identity.edipi, validated.value.sha256);
  if (!operator) {
    return refuse(
      'OPERATOR_UNKNOWN',
      `No operator is enrolled with EDIPI ${identity.edipi} and this certificate.`,
      identity.edipi,
      validated.value.sha256,
      {
        edipi: identity.edipi,
      },
    );
  }
  if (operator.status !== 'active') {
    return refuse(
      'OPERATOR_DISABLED',
      `The operator with EDIPI ${identity.edipi} is disabled.`,
      identity.edipi,
      validated.value.sha256,
      { edipi: identity.edipi },
    );
  }
  const tenants = [...new Set(operator.roles.map((r) => r.tenantId))];
  return {
    tenants,
    session: {
      operatorId: operator.operatorId,
      edipi: identity.edipi,
      displayName: operator.displayName,
      tokenLabel: card.token.label,
      certificateSha256: validated.value.sha256,
      roles: operator.roles,
      startedAt: now().toISOString(),
      locked: false,
      lockReason: null,
    },
  };
}
