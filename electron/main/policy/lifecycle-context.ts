import { createHash } from 'node:crypto';
import { hostname } from 'node:os';
import type pg from 'pg';
import { ArxFailure, requireOperator, type OperatorSession } from '../../../shared/contract';
import type { VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { envelopeOf, pae } from '../../../shared/dsse';
import type { EventType } from '../../../shared/events';
import {
  checkSignedVersion,
  type SignatureCheck,
  type StoredSignature,
  type StoredVersion,
} from '../../../shared/policy';
import type { OperatorSignature } from '../card/operator-auth';
import { lockChain, type WriterIdentity } from '../controlplane/chain-writer';
import { stepEventRows } from '../controlplane/step-events';
import { enrolledCertificates } from '../controlplane/repos/operators';
import { signaturesOf, versionBySha, type VersionRow } from '../controlplane/repos/policy-versions';
import { withTenant } from '../controlplane/tenant-session';
import { nodeSignatureVerifier } from './node-verify';

export interface DiffSide {
  text: string;
  schema: string;
  tests: readonly unknown[];
  digest: { sha256: string; blake3: string };
}

/** What the lifecycle needs of the operator's card session (OperatorAuth, or a stand-in in tests). */
export interface LifecycleAuth {
  session(): OperatorSession | null;
  sign(purpose: string, digest: Uint8Array, pin: string | null): Promise<OperatorSignature>;
  /** The writer each step's audit event names, and its card signer (OperatorAuth.eventWriter). */
  eventWriter?(): WriterIdentity | null;
}

export type LifecycleStep = 'submitted' | 'approved' | 'rejected' | 'published' | 'rollback-requested' | 'rolledback';

export interface LifecycleDeps {
  pool: () => pg.Pool;
  auth: LifecycleAuth;
  /** Told after every step (the handlers push policy.changed to the renderer). */
  onChanged?: (e: { tenantId: string; policyName: string; sha256: string | null; step: LifecycleStep }) => void;
  /**
   * Approving while the control plane is unreachable: a version this console has shown (history,
   * detail) can be approved; the signed approval goes to the cache's outbox as kind
   * `policy.approval` and is delivered (signature, state, audit event) when the database is back.
   */
  offline?: {
    /** Store or queue (policy.approve is declared offline: 'queue'; cache/offline.ts OfflineWrites). */
    writes: {
      connected(): boolean;
      /** CACHE_LOCKED when nothing could be queued (before the card is asked for its PIN). */
      requireQueueable(): void;
      /** The failure says the control plane is unreachable. */
      unreachable(err: unknown): boolean;
      storeOrQueue<Q>(
        online: boolean,
        store: () => Promise<unknown>,
        queue: () => Q,
        mayQueue?: () => boolean,
      ): Promise<{ queued: Q } | null>;
    };
    enqueue: (payload: QueuedApproval, summary: string) => { id: string };
    /**
     * Versions as shown, kept across restarts (sealed in the local cache, never plaintext on disk):
     * `remember` is told each summary the console shows (best effort, must not throw; it writes
     * only what changed); `recall` gives one back offline, or null (unknown, cache locked).
     */
    remember?: (tenantId: string, summary: VersionSummary) => void;
    recall?: (tenantId: string, sha256: string) => VersionSummary | null;
  };
}

export const APPROVAL_OUTBOX_KIND = 'policy.approval';

/** An approval signed offline, as queued: what `approve` would have written. */
export interface QueuedApproval {
  v: 1;
  tenantId: string;
  policyId: string;
  policyName: string;
  sha256: string;
  blake3: string;
  envelope: unknown;
  certificateSha256: string;
  operatorId: string;
  edipi: string;
}

/** The tenant of a queued approval (the outbox list's `tenantId`): its `tenantId` when it is a string, else null. */
export function queuedApprovalTenant(payload: unknown): string | null {
  const t = payload && typeof payload === 'object' ? (payload as { tenantId?: unknown }).tenantId : null;
  return typeof t === 'string' && t.length > 0 ? t : null;
}

export type ApprovalResult = VersionSummary & { delivery: 'stored' | 'queued' };

export interface SignedStatement {
  envelope: unknown;
  certificateSha256: string;
  operator: OperatorSession;
}

const SOURCE = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;
const SEEN_LIMIT = 2000;

/**
 * What every lifecycle step shares: the deps, the operator acting, the step transaction with its
 * audit event, card signatures, the signature check of a stored version, and the versions shown
 * to this console (what can be approved offline).
 */
export class LifecycleContext {
  /** Versions as last shown to this console (tenant/sha256 → summary). */
  private readonly seen = new Map<string, VersionSummary>();

  constructor(readonly deps: LifecycleDeps) {}

  pool(): pg.Pool {
    return this.deps.pool();
  }

  changed(tenantId: string, policyName: string, sha256: string | null, step: LifecycleStep): void {
    this.deps.onChanged?.({ tenantId, policyName, sha256, step });
  }

  /** A version as last shown to this console: this run's memory, else the sealed copy in the local cache. */
  shown(tenantId: string, sha256: string): VersionSummary | null {
    const key = `${tenantId}/${sha256}`;
    const mem = this.seen.get(key);
    if (mem) return mem;
    const kept = this.deps.offline?.recall?.(tenantId, sha256) ?? null;
    if (!kept || kept.sha256 !== sha256) return null;
    this.seen.set(key, kept);
    return kept;
  }

  /** Remembers summaries as shown (bounded: the oldest go first) and keeps them in the local cache. */
  remember(tenantId: string, summaries: readonly VersionSummary[]): void {
    for (const x of summaries) {
      const key = `${tenantId}/${x.sha256}`;
      this.seen.delete(key);
      this.seen.set(key, x);
      this.deps.offline?.remember?.(tenantId, x);
    }
    while (this.seen.size > SEEN_LIMIT) this.seen.delete(this.seen.keys().next().value!);
  }

  /** The operator acting; session and roles in the tenant were checked by the registry (contract). */
  operator(): OperatorSession {
    return requireOperator(this.deps.auth.session());
  }

  /**
   * One lifecycle step that writes: its rows and the audit event that records it commit or roll
   * back together (one transaction in the tenant). The chain lock is taken first, before any row
   * lock, in the order every chain writer (gateway, outbox deliveries) takes them.
   */
  step<T>(tenantId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTenant(this.pool(), tenantId, async (c) => {
      await lockChain(c, tenantId);
      return fn(c);
    });
  }

  /**
   * The rows of the step's audit event on the chain head (see step); the step's definer function
   * checks them and appends them in the same transaction as its change. Signed on the operator's
   * card (docs/chain-format.md §8): verifiers fail an unsigned console event.
   */
  eventRows(c: pg.ClientBase, tenantId: string, type: EventType, data: unknown, subject: string): Promise<unknown[]> {
    const who = this.deps.auth.eventWriter?.() ?? {};
    return stepEventRows(c, tenantId, SOURCE, { type, data, subject }, undefined, who);
  }

  /** Signs a statement as a DSSE envelope on the operator's card: the card signs SHA-256 of the PAE. */
  async signStatement(
    payloadType: string,
    payload: Uint8Array,
    purpose: string,
    pin: string,
    op: OperatorSession,
  ): Promise<SignedStatement> {
    const digest = createHash('sha256').update(pae(payloadType, payload)).digest();
    const sig = await this.deps.auth.sign(purpose, new Uint8Array(digest), pin);
    if (sig.operator.operatorId !== op.operatorId)
      throw new ArxFailure('SESSION_OTHER_CARD', 'The card that signed is not the logged-in operator’s.');
    const envelope = envelopeOf(payloadType, payload, [{ keyid: sig.certificateSha256, sig: sig.signature }]);
    return { envelope, certificateSha256: sig.certificateSha256, operator: sig.operator };
  }
}

/** The stored version, or POLICY_VERSION_UNKNOWN. */
export async function storedVersion(c: pg.ClientBase, tenantId: string, sha256: string): Promise<VersionRow> {
  const v = await versionBySha(c, tenantId, sha256);
  if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
  return v;
}

/** POLICY_STATE_INVALID unless the version is `state`; `step` says what only such a version can be (rejected, …). */
export function requireState(
  v: { state: string },
  sha256: string,
  state: 'submitted' | 'approved',
  step: string,
): void {
  if (v.state !== state)
    throw new ArxFailure(
      'POLICY_STATE_INVALID',
      `Version ${sha256} is ${v.state}; only ${state === 'approved' ? 'an' : 'a'} ${state} version can be ${step}.`,
      { state: v.state },
    );
}

/**
 * The two-person check of a stored version against the enrolled certificates, with `extra`
 * signatures not stored yet (POLICY_VERSION_UNKNOWN when the version is absent).
 */
export async function checkVersion(
  c: pg.ClientBase,
  tenantId: string,
  sha256: string,
  extra: readonly StoredSignature[] = [],
): Promise<SignatureCheck> {
  const v = await storedVersion(c, tenantId, sha256);
  const sigs = [...((await signaturesOf(c, tenantId, [sha256])).get(sha256) ?? []), ...extra];
  return checkCandidate(c, tenantId, v, sigs);
}

/** The two-person check of a version and signatures (stored or about to be) against the enrolled certificates. */
export async function checkCandidate(
  c: pg.ClientBase,
  tenantId: string,
  v: StoredVersion,
  sigs: readonly StoredSignature[],
): Promise<SignatureCheck> {
  const certs = await enrolledCertificates(
    c,
    tenantId,
    sigs.map((s) => s.certificateSha256),
  );
  return checkSignedVersion(v, sigs, (s) => certs.get(s), nodeSignatureVerifier);
}
