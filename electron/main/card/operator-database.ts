import { X509Certificate, timingSafeEqual } from 'node:crypto';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { loginState, loginWrap } from '../controlplane/repos/operator-logins';
import { keyManagementCertificateSha256, unwrapOperatorPassword } from '../crypto/operator-login-wrap';
import { recipientKind, type KeyUnwrapper } from '../crypto/recipient-wrap';
import type { LoggedInCard } from './card-backend';

/** What the operator's database login needs of the control plane. */
export interface OperatorPools {
  requireBootstrapPool(): pg.Pool;
  openOperatorPool(role: string, password: Buffer): Promise<void>;
  closeOperatorPool(reason: 'locked' | 'none'): Promise<void>;
}

/** The card's Key Management key (9D) as what unwraps: ECDH or RSA-OAEP on the card. */
function cardUnwrapper(card: LoggedInCard, keyManagementDer: Uint8Array): KeyUnwrapper {
  const kind = recipientKind(new X509Certificate(keyManagementDer).publicKey, 'the database credential');
  const u: KeyUnwrapper = { kind, describe: 'card' };
  if (card.deriveSharedSecret) u.deriveSharedSecret = (p) => card.deriveSharedSecret!(p);
  if (card.decryptOaep) u.decryptOaep = (c) => card.decryptOaep!(c);
  return u;
}

/**
 * The operator's wrapped database login, checked before anything needs the card's PIN: enrolled,
 * not disabled, and wrapped to this card's Key Management certificate. The bootstrap credential
 * reads it; the card is not touched.
 */
export async function checkOperatorLogin(bootstrap: pg.Pool, edipi: string, keyManagementDer: Uint8Array) {
  const wrap = await loginWrap(bootstrap, edipi);
  if (!wrap && (await loginState(bootstrap, edipi)) === 'disabled')
    throw new ArxFailure('OPERATOR_DISABLED', `The operator with EDIPI ${edipi} is disabled.`, { edipi });
  if (!wrap)
    throw new ArxFailure(
      'OPERATOR_LOGIN_NOT_ENROLLED',
      `No database login is enrolled for EDIPI ${edipi} (or the operator is disabled): ask an administrator.`,
      { edipi },
    );
  const expected = Buffer.from(wrap.wrapKeySha256);
  const actual = Buffer.from(keyManagementCertificateSha256(keyManagementDer));
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual))
    throw new ArxFailure(
      'OPERATOR_LOGIN_OTHER_CARD',
      'Your database login is wrapped to another Key Management certificate than this card holds (a re-issued card?): ask an administrator to re-enrol it.',
      { edipi },
    );
  return wrap;
}

/**
 * Connects the logged-in operator to the control plane as their own login role: the bootstrap
 * credential reads the wrap of their EDIPI, the card (PIN given, possession proven) unwraps the
 * password, and the control plane opens the pool and runs a first query as that role. Returns the
 * role. Nothing else on the workstation can log in as an operator.
 */
export async function connectOperator(pools: OperatorPools, edipi: string, card: LoggedInCard): Promise<string> {
  const bootstrap = pools.requireBootstrapPool();
  const km = card.keyManagementCertificate?.() ?? null;
  if (!km)
    throw new ArxFailure(
      'CARD_CERT_MISSING',
      'The card has no Key Management certificate (9D): the database credential cannot be unwrapped.',
    );
  const wrap = await checkOperatorLogin(bootstrap, edipi, km.der);
  const password = await unwrapOperatorPassword(wrap.wrap, wrap.dbRole, km.der, cardUnwrapper(card, km.der));
  try {
    // The control plane owns the bytes from here and wipes them when the pool ends.
    await pools.openOperatorPool(wrap.dbRole, password);
  } catch (err) {
    password.fill(0);
    throw err;
  }
  return wrap.dbRole;
}
