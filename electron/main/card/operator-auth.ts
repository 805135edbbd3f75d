import { createHash } from 'node:crypto';
import { EventEmitter } from 'node:events';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import { operatorWriter } from '../../../shared/events';
import type { WriterIdentity } from '../controlplane/chain-writer';
import type { CardBackend, LoggedInCard } from './card-backend';
import type { CardCertificate, CardSlot } from './card-service';
import type { CardIdentity } from './chuid';
import { admitOperator, loginCard, type AdmissionDeps, type CardLoginRequest } from './operator-admission';
import { validateSigningCertificate, type OperatorSignature } from './operator-signature';
import { LOGIN_ROLES, SIGNING_ROLES } from './piv-objects';
import { precheckLogin, type LoginProblem, type PrecheckDeps } from './login-precheck';

export type { CardBackend, LoggedInCard } from './card-backend';
export type { EnrolledOperator, SessionAuditEvent } from './operator-admission';
export type { OperatorSignature } from './operator-signature';

export interface OperatorAuthDeps extends AdmissionDeps {
  /** The control plane's side of the pre-PIN check (login-precheck.ts). */
  checkLogin?: PrecheckDeps['checkLogin'];
  backend: () => Promise<CardBackend>;
  /** Ends that connection (lock, logout, card removal, a refused login) and wipes its credential. */
  disconnect?: (reason: 'locked' | 'none') => Promise<void>;
  idleLockMs: number;
  now?: () => Date;
  /**
   * Schedules the idle lock: calls `fn` after `ms` unless the returned cancel function is called
   * first. Default: an unref'd setTimeout. Tests inject a manual clock to fire it when they say.
   */
  schedule?: (fn: () => void, ms: number) => () => void;
}

/** CK_TOKEN_INFO flag: the token has been initialised (PKCS#11 v2.40 §3.2). */
const CKF_TOKEN_INITIALIZED = 0x400;

/** How long a closing session's card stays open to sign its `session.closed` record. */
const CLOSE_RECORD_MS = 5_000;

/** Who writes an operator's events: their id, and their card's login key (9A) as the signer when it can sign. */
function writerIdentity(operatorId: string, card: LoggedInCard): WriterIdentity {
  const writer = operatorWriter(operatorId);
  if (!card.signWithLoginKey) return { writer };
  const certificateSha256 = createHash('sha256').update(card.certificate.der).digest('hex');
  return {
    writer,
    signer: {
      certificateSha256,
      sign: async (preimage) => {
        const r = await card.signWithLoginKey!(new Uint8Array(createHash('sha256').update(preimage).digest()));
        return r.der ?? r.raw;
      },
    },
  };
}

function defaultSchedule(fn: () => void, ms: number): () => void {
  const t = setTimeout(fn, ms);
  t.unref();
  return () => clearTimeout(t);
}

/**
 * Operator login with a CAC/PIV card: PIN to C_Login only, proof of possession (in the
 * card service), offline path validation of the login certificate, EDIPI from its UPN, and the
 * operator looked up by EDIPI and certificate fingerprint. Card removal, the idle timeout or the
 * user lock the session: the card session is closed (its secrets gone) and only the same card
 * with its PIN resumes it. Every step that matters is an audit event; the PIN never is.
 */
export class OperatorAuth extends EventEmitter<{ changed: [OperatorSession | null] }> {
  private current: { session: OperatorSession; card: LoggedInCard | null; slot: string } | null = null;
  private cancelIdle: (() => void) | null = null;
  /** CHUID identities by slot, serial and label: a card's CHUID costs APDUs to read, and the login screen polls. */
  private readonly identities = new Map<string, Promise<CardIdentity | null>>();
  private readonly now: () => Date;
  private readonly schedule: (fn: () => void, ms: number) => () => void;

  constructor(private readonly deps: OperatorAuthDeps) {
    super();
    this.now = deps.now ?? (() => new Date());
    this.schedule = deps.schedule ?? defaultSchedule;
  }

  session(): OperatorSession | null {
    return this.current ? { ...this.current.session } : null;
  }

  async readers() {
    const backend = await this.deps.backend();
    const slots = await backend.listSlots();
    return Promise.all(
      slots.map(async (s) => {
        // A blank (uninitialised) token is no card to log in with: SoftHSM2 always offers one.
        const tokenPresent = s.tokenPresent && s.token !== null && (s.token.flags & CKF_TOKEN_INITIALIZED) !== 0;
        // The CHUID is shown, not trusted: who logs in is decided by the validated certificate.
        const identity = tokenPresent ? await this.identityOf(backend, s) : null;
        return {
          slot: s.slot,
          description: s.description,
          tokenPresent,
          tokenLabel: s.token?.label ?? null,
          serial: s.token?.serialNumber ?? null,
          identity,
          pinState: s.pinState,
        };
      }),
    );
  }

  private identityOf(backend: CardBackend, s: CardSlot): Promise<CardIdentity | null> {
    if (!backend.readIdentity) return Promise.resolve(null);
    const key = `${s.slot}/${s.token?.serialNumber ?? ''}/${s.token?.label ?? ''}`;
    let found = this.identities.get(key);
    if (!found) {
      found = backend.readIdentity(s.slot).catch(() => {
        this.identities.delete(key);
        return null;
      });
      if (this.identities.size > 16) this.identities.clear();
      this.identities.set(key, found);
    }
    return found;
  }

  /** The certificates of the card in `slot` with their DER (no PIN): the cache re-wraps its key to a new card's 9D key. */
  async cardCertificates(slot: string): Promise<CardCertificate[]> {
    return (await this.deps.backend()).listCertificates(slot);
  }

  async certificates(slot: string) {
    const backend = await this.deps.backend();
    const certs = await backend.listCertificates(slot);
    return certs.map((c) => ({
      id: c.id,
      label: c.label,
      role: c.role,
      keyReference: c.keyReference,
      subject: c.subject,
      fingerprint: c.fingerprint,
      usableForLogin: LOGIN_ROLES.includes(c.role),
    }));
  }

  /** Problems a login would certainly meet, found before the PIN (login-precheck.ts); null when none. */
  async precheck(slot: string, certificateId: string | null): Promise<LoginProblem | null> {
    const certs = await (await this.deps.backend()).listCertificates(slot);
    return precheckLogin(this.deps, certs, certificateId);
  }

  async login(req: CardLoginRequest): Promise<OperatorSession> {
    if (this.current && !this.current.session.locked)
      throw new ArxFailure('SESSION_ACTIVE', 'An operator is already logged in; log out first.');
    const card = await loginCard(await this.deps.backend(), req, this.deps.audit);
    try {
      const opened = await admitOperator(this.deps, card, this.now);
      this.current = { session: opened.session, card, slot: req.slot };
      card.once('removed', () => void this.lock('card-removed'));
      this.armIdle();
      await this.deps.audit({
        type: 'com.arx.session.opened',
        tenants: opened.tenants,
        data: {
          operatorId: opened.session.operatorId,
          edipi: opened.session.edipi,
          certificateSha256: opened.session.certificateSha256,
          tokenLabel: opened.session.tokenLabel,
          roles: [...new Set(opened.session.roles.map((r) => r.role))].sort(),
        },
      });
      this.emit('changed', this.session());
      return this.session()!;
    } catch (err) {
      await card.logout().catch(() => {});
      await this.deps.disconnect?.('none').catch(() => {});
      throw err;
    }
  }

  /** Locks: closes the card session (its secrets go with it) and keeps only who was logged in. */
  async lock(reason: 'card-removed' | 'idle' | 'user'): Promise<OperatorSession> {
    const cur = this.current;
    if (!cur) throw new ArxFailure('SESSION_NONE', 'Nobody is logged in.');
    if (cur.session.locked) return this.session()!;
    this.disarmIdle();
    const card = cur.card;
    cur.card = null;
    cur.session = { ...cur.session, locked: true, lockReason: reason };
    // The screen locks (and listeners drop their keys) first; then the lock is recorded and the
    // card session closed: neither a slow worker nor an unreachable database may delay the lock.
    this.emit('changed', this.session());
    await this.recordClose(cur.session, card, reason === 'user' ? 'lock' : reason);
    // Then their database session ends and its credential is wiped.
    await this.deps.disconnect?.('locked').catch(() => {});
    return this.session()!;
  }

  /**
   * Records `session.closed` as the operator, then closes the card session. A card still in its
   * reader signs the record with its login key first (docs/events.md, "Writers"), for at most
   * CLOSE_RECORD_MS; a card that left the reader signs nothing, and its report stays unsigned.
   */
  private async recordClose(
    session: OperatorSession,
    card: LoggedInCard | null,
    reason: 'logout' | 'lock' | 'idle' | 'card-removed',
  ): Promise<void> {
    const writer = card && reason !== 'card-removed' ? writerIdentity(session.operatorId, card) : null;
    const recorded = this.deps
      .audit({
        type: 'com.arx.session.closed',
        tenants: [...new Set(session.roles.map((r) => r.tenantId))],
        data: { operatorId: session.operatorId, edipi: session.edipi, reason },
        ...(writer ? { writer } : {}),
      })
      .catch(() => {});
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_RECORD_MS)));
    await Promise.race([recorded, deadline]).finally(() => clearTimeout(timer));
    // A signature not made by now fails on the closed session, and that record with it.
    await card?.logout().catch(() => {});
  }

  /** Resumes a locked session: the same operator's card (same certificate) and its PIN. */
  async unlock(pin: string | null): Promise<OperatorSession> {
    const cur = this.current;
    if (!cur) throw new ArxFailure('SESSION_NONE', 'Nobody is logged in.');
    if (!cur.session.locked) return this.session()!;
    const before = cur.session;
    this.current = null;
    try {
      const session = await this.login({ slot: cur.slot, certificateId: null, pin, confirmFinalTry: false });
      if (session.certificateSha256 !== before.certificateSha256) {
        await this.logout();
        this.current = { ...cur, card: null };
        throw new ArxFailure('SESSION_OTHER_CARD', 'This is not the card of the locked session.');
      }
      return session;
    } catch (err) {
      this.current ??= cur;
      throw err;
    }
  }

  async logout(): Promise<void> {
    const cur = this.current;
    this.current = null;
    this.disarmIdle();
    if (!cur) return;
    // A locked session's close was recorded when it locked.
    if (cur.session.locked) await cur.card?.logout().catch(() => {});
    else await this.recordClose(cur.session, cur.card, 'logout');
    await this.deps.disconnect?.('none').catch(() => {});
    this.emit('changed', null);
  }

  /**
   * Signs `digest` (SHA-256/384/512 of what is signed) with the logged-in operator's Digital
   * Signature key (9C). The card asks for the PIN for every signature (context-specific login);
   * `purpose` is the one line shown to the user saying what is signed. The signing certificate is
   * validated for the signature purpose (digitalSignature + nonRepudiation, path, CRL) first: a
   * card whose signing certificate is revoked cannot sign. Needs an unlocked session.
   */
  async sign(
    purpose: string,
    digest: Uint8Array,
    pin: string | null,
    options: { rsa?: 'pss' | 'pkcs1' } = {},
  ): Promise<OperatorSignature> {
    const cur = this.current;
    const pinBytes = pin === null ? null : new TextEncoder().encode(pin);
    try {
      if (!cur) throw new ArxFailure('SESSION_NONE', 'Nobody is logged in: log in with your card to sign.');
      if (cur.session.locked || !cur.card)
        throw new ArxFailure('SESSION_LOCKED', 'The console is locked: unlock it with your card to sign.');
      if (!cur.card.signDigest) throw new ArxFailure('CARD_MECHANISM_UNSUPPORTED', 'This card cannot sign.');
      // The signing certificate is validated BEFORE the card is asked (a revoked one never gets
      // the PIN), and the one the card signed with is checked to be that same certificate.
      const expected = cur.card.certificates?.find((c) => SIGNING_ROLES.includes(c.role));
      const before = expected ? await this.validateSigning(expected.der) : null;
      const result = await cur.card.signDigest(purpose, digest, pinBytes, options);
      const validated = await this.validateSigning(result.certificate.der);
      if (before && validated.sha256 !== before.sha256) {
        throw new ArxFailure(
          'CARD_KEY_MISMATCH',
          'The card signed with another certificate than the one it presented.',
        );
      }
      this.touch();
      return {
        operator: { ...cur.session },
        purpose,
        algorithm: result.algorithm,
        signature: result.der ?? result.raw,
        raw: result.raw,
        certificateDer: new Uint8Array(result.certificate.der),
        certificateSha256: validated.sha256,
      };
    } finally {
      pinBytes?.fill(0);
    }
  }

  private validateSigning(der: Uint8Array): Promise<{ sha256: string }> {
    return validateSigningCertificate(der, this.deps.trustStore(), this.deps.policy);
  }

  /**
   * Who the console's audit events name as their writer, and the card signer that authenticates
   * them (docs/events.md, "Writers"): the logged-in operator and their login key (9A). The signer
   * is absent when the card is gone or cannot sign (a locked session, a UI stand-in).
   */
  eventWriter(): WriterIdentity | null {
    const cur = this.current;
    if (!cur) return null;
    const card = cur.session.locked ? null : cur.card;
    return card ? writerIdentity(cur.session.operatorId, card) : { writer: operatorWriter(cur.session.operatorId) };
  }

  /** The logged-in, unlocked card (for services that need more of it than a signature, e.g. the cache key); null otherwise. */
  activeCard(): LoggedInCard | null {
    const cur = this.current;
    return cur && !cur.session.locked ? cur.card : null;
  }

  /** Any user activity re-arms the idle lock. */
  touch(): void {
    if (this.current && !this.current.session.locked) this.armIdle();
  }

  private armIdle(): void {
    this.disarmIdle();
    this.cancelIdle = this.schedule(() => void this.lock('idle').catch(() => {}), this.deps.idleLockMs);
  }

  private disarmIdle(): void {
    this.cancelIdle?.();
    this.cancelIdle = null;
  }

  async close(): Promise<void> {
    await this.logout();
  }
}
