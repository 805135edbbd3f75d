import { createHash, randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import * as cedar from './cedar-node';
import type pg from 'pg';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { Draft, PolicyTest, VersionSummary } from '../../../shared/contract/domains/policy-lifecycle';
import { envelopeOf, pae } from '../../../shared/dsse';
import type { EventType } from '../../../shared/events';
import {
  canonicalText,
  checkRollbackSignatures,
  checkSignedVersion,
  GATEWAY_SCHEMA,
  POLICY_ROLLBACK_PAYLOAD_TYPE,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  policyVersionDigest,
  statementBytes,
  validatePolicies,
  type PolicyRollbackStatement,
  type PolicySignatureStatement,
  type SignatureCheck,
} from '../../../shared/policy';
import { runPolicyTests } from '../../../shared/policy/policy-tests';
import type { Delivery } from '../cache/outbox';
import { isTransient } from '../controlplane/transient-failure';
import type { OperatorSignature } from '../card/operator-auth';
import { ChainWriter, lockChain } from '../controlplane/chain-writer';
import { withTenant } from '../controlplane/tenant-session';
import { reasonsOf, rollbackRow } from './gateway-policy';
import { nodeSignatureVerifier } from './node-verify';
import {
  bin,
  enrolledCertificates,
  listPolicies,
  operatorRefs,
  policyByName,
  publicationsOf,
  signaturesOf,
  versionBySha,
  versionsOfPolicy,
  type OperatorRef,
  type SignatureRow,
  type VersionRow,
} from './policy-store';

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
}

export interface LifecycleDeps {
  pool: () => pg.Pool;
  auth: LifecycleAuth;
  /** Told after every step (the handlers push policy.changed to the renderer). */
  onChanged?: (e: {
    tenantId: string;
    policyName: string;
    sha256: string | null;
    step: 'submitted' | 'approved' | 'rejected' | 'published' | 'rollback-requested' | 'rolledback';
  }) => void;
  /**
   * Approving while the control plane is unreachable (issue 7 item 4): a version this console has
   * shown (history, detail) can be approved; the signed approval goes to the cache's outbox as kind
   * `policy.approval` and is delivered (signature, state, audit event) when the database is back.
   */
  offline?: {
    connected: () => boolean;
    canQueue: () => boolean;
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

const SOURCE = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;

/**
 * The policy lifecycle (issue 5 item 5; docs/policy-versions.md): draft → submitted (author's card
 * signature) → approved (a different operator with the approver role signs) → published →
 * superseded; rollback needs a requester's and a different approver's signatures. Each step is
 * one transaction in the tenant, whose audit event is appended before the transaction commits
 * (a failed append rolls the step back), and every signature is verified against the enrolled
 * certificate before it is stored.
 */
export class PolicyLifecycle {
  /** Versions as last shown to this console (tenant/sha256 → summary): what can be approved offline. */
  private readonly seen = new Map<string, VersionSummary>();
  constructor(private readonly deps: LifecycleDeps) {}

  /** A version as last shown to this console: this run's memory, else the sealed copy in the local cache (null when neither has it). */
  private shown(tenantId: string, sha256: string): VersionSummary | null {
    const key = `${tenantId}/${sha256}`;
    const mem = this.seen.get(key);
    if (mem) return mem;
    const kept = this.deps.offline?.recall?.(tenantId, sha256) ?? null;
    if (!kept || kept.sha256 !== sha256) return null;
    this.seen.set(key, kept);
    return kept;
  }

  private operator(tenantId: string, roles: readonly string[] | null, what: string): OperatorSession {
    const s = this.deps.auth.session();
    if (!s) throw new ArxFailure('SESSION_NONE', `Log in with your card to ${what}.`);
    if (s.locked) throw new ArxFailure('SESSION_LOCKED', `The console is locked: unlock it with your card to ${what}.`);
    if (roles) {
      const held = s.roles.filter((r) => r.tenantId === tenantId).map((r) => r.role);
      if (!roles.some((r) => held.includes(r))) {
        throw new ArxFailure(
          'POLICY_ROLE_REQUIRED',
          `To ${what} you need the ${roles.join(' or ')} role in this tenant; you hold ${held.length ? held.join(', ') : 'none'}.`,
          {
            required: [...roles],
            held,
          },
        );
      }
    }
    return s;
  }

  /**
   * One lifecycle step that writes: its rows and the audit event that records it commit or roll
   * back together (one transaction in the tenant). The chain lock is taken first, before any row
   * lock, in the order every chain writer (gateway, outbox deliveries) takes them.
   */
  private step<T>(tenantId: string, fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      await lockChain(c, tenantId);
      return fn(c);
    });
  }

  /** The step's audit event, appended in the step's own transaction (see step). */
  private async audit(
    c: pg.ClientBase,
    tenantId: string,
    type: EventType,
    data: unknown,
    subject: string,
  ): Promise<void> {
    await new ChainWriter(this.deps.pool(), tenantId, { source: SOURCE }).appendIn(c, [{ type, data, subject }]);
  }

  // ---- drafts ----------------------------------------------------------------------------------

  async getDraft(tenantId: string, policyName: string): Promise<Draft | null> {
    const op = this.operator(tenantId, null, 'open your draft');
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const r = await c.query<{
        base_sha256: Buffer | null;
        policy_text: string;
        schema_text: string;
        tests: PolicyTest[];
        saved_at: string;
      }>(
        `SELECT base_sha256, policy_text, schema_text, tests, to_char(saved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS saved_at
         FROM arx.policy_drafts WHERE tenant_id = $1 AND operator_id = $2 AND policy_name = $3`,
        [tenantId, op.operatorId, policyName],
      );
      const row = r.rows[0];
      if (!row) return null;
      return draftOf(
        tenantId,
        policyName,
        row.base_sha256?.toString('hex') ?? null,
        row.policy_text,
        row.schema_text,
        row.tests,
        row.saved_at,
      );
    });
  }

  async saveDraft(req: {
    tenantId: string;
    policyName: string;
    baseSha256: string | null;
    text: string;
    schema: string | null;
    tests: PolicyTest[];
  }): Promise<Draft> {
    const op = this.operator(req.tenantId, ['policy-author'], 'save a policy draft');
    const text = canonicalText(req.text);
    const schema = canonicalText(req.schema ?? GATEWAY_SCHEMA);
    return withTenant(this.deps.pool(), req.tenantId, async (c) => {
      if (req.baseSha256 && !(await versionBySha(c, req.tenantId, req.baseSha256))) {
        throw new ArxFailure(
          'POLICY_VERSION_UNKNOWN',
          `The draft's base version ${req.baseSha256} is not in this tenant.`,
          { path: 'baseSha256' },
        );
      }
      const r = await c.query<{ saved_at: string }>(
        `INSERT INTO arx.policy_drafts (tenant_id, operator_id, policy_name, base_sha256, policy_text, schema_text, tests, saved_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb, clock_timestamp())
         ON CONFLICT (tenant_id, operator_id, policy_name) DO UPDATE
           SET base_sha256 = EXCLUDED.base_sha256, policy_text = EXCLUDED.policy_text, schema_text = EXCLUDED.schema_text, tests = EXCLUDED.tests, saved_at = EXCLUDED.saved_at
         RETURNING to_char(saved_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') AS saved_at`,
        [
          req.tenantId,
          op.operatorId,
          req.policyName,
          req.baseSha256 ? bin(req.baseSha256) : null,
          text,
          schema,
          JSON.stringify(req.tests),
        ],
      );
      return draftOf(req.tenantId, req.policyName, req.baseSha256, text, schema, req.tests, r.rows[0]!.saved_at);
    });
  }

  async discardDraft(tenantId: string, policyName: string): Promise<boolean> {
    const op = this.operator(tenantId, null, 'discard your draft');
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const r = await c.query(
        'DELETE FROM arx.policy_drafts WHERE tenant_id = $1 AND operator_id = $2 AND policy_name = $3',
        [tenantId, op.operatorId, policyName],
      );
      return (r.rowCount ?? 0) > 0;
    });
  }

  // ---- submit / approve / reject / publish ---------------------------------------------------------

  async submit(req: { tenantId: string; policyName: string; sha256: string; pin: string }): Promise<VersionSummary> {
    const op = this.operator(req.tenantId, ['policy-author'], 'submit a policy version');
    const draft = await this.getDraft(req.tenantId, req.policyName);
    if (!draft)
      throw new ArxFailure('POLICY_DRAFT_MISSING', `You have no draft of the ${req.policyName} policy in this tenant.`);
    if (draft.digest.sha256 !== req.sha256) {
      throw new ArxFailure(
        'POLICY_DRAFT_CHANGED',
        `The draft changed since its digest was shown: it is now ${draft.digest.sha256}, not ${req.sha256}. Review it and submit again.`,
        {
          current: draft.digest.sha256,
        },
      );
    }
    const blockers = submissionBlockers(draft.text, draft.schema, draft.tests);
    if (blockers) throw blockers;

    const pool = this.deps.pool();
    // The policy row (created with the first version of a policy) and the refusal of a duplicate come
    // before the card is asked: nobody should type a PIN for a step that cannot happen.
    const policyId = await withTenant(pool, req.tenantId, async (c) => {
      if (await versionBySha(c, req.tenantId, draft.digest.sha256)) {
        throw new ArxFailure(
          'POLICY_VERSION_EXISTS',
          `Version ${draft.digest.sha256} already exists in this tenant (same text, schema and tests).`,
        );
      }
      const existing = await policyByName(c, req.tenantId, req.policyName);
      if (existing) return existing.id;
      const id = randomUUID();
      await c.query('INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, $3)', [
        id,
        req.tenantId,
        req.policyName,
      ]);
      return id;
    });
    const statement: PolicySignatureStatement = {
      _type: 'arx.policy-signature/v1',
      role: 'author',
      tenantId: req.tenantId,
      policyId,
      version: draft.digest,
    };
    const signed = await this.signStatement(
      POLICY_SIGNATURE_PAYLOAD_TYPE,
      statementBytes(statement),
      `Policy version ${draft.digest.sha256} of ${req.policyName} (author)`,
      req.pin,
      op,
    );

    await this.step(req.tenantId, async (c) => {
      await c.query(
        `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, parent_sha256, policy_text, schema_text, tests, author_id, state)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb, $9, 'submitted')`,
        [
          bin(draft.digest.sha256),
          bin(draft.digest.blake3),
          req.tenantId,
          policyId,
          draft.baseSha256 ? bin(draft.baseSha256) : null,
          draft.text,
          draft.schema,
          JSON.stringify(draft.tests),
          op.operatorId,
        ],
      );
      await insertSignature(c, req.tenantId, draft.digest.sha256, 'author', signed);
      const check = await this.checkVersion(c, req.tenantId, draft.digest.sha256);
      if (!check.verified.author) {
        throw new ArxFailure(
          'POLICY_SIGNATURE_INVALID',
          `Your signature does not verify: ${reasonsOf(check).join('; ')}`,
          { findings: check.findings },
        );
      }
      await c.query('DELETE FROM arx.policy_drafts WHERE tenant_id = $1 AND operator_id = $2 AND policy_name = $3', [
        req.tenantId,
        op.operatorId,
        req.policyName,
      ]);
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.submitted',
        { policyId, versionSha256: draft.digest.sha256, versionBlake3: draft.digest.blake3, author: op.operatorId },
        op.edipi,
      );
    });
    this.deps.onChanged?.({
      tenantId: req.tenantId,
      policyName: req.policyName,
      sha256: draft.digest.sha256,
      step: 'submitted',
    });
    return this.summary(req.tenantId, draft.digest.sha256);
  }

  async approve(req: { tenantId: string; sha256: string; pin: string }): Promise<ApprovalResult> {
    const op = this.operator(req.tenantId, ['approver'], 'approve a policy version');
    const offline = this.deps.offline;
    let online = offline ? offline.connected() : true;
    let version: Pick<VersionRow, 'sha256' | 'blake3' | 'policyId' | 'policyName' | 'state' | 'authorId'> | null = null;
    if (online) {
      try {
        version = await withTenant(this.deps.pool(), req.tenantId, (c) => versionBySha(c, req.tenantId, req.sha256));
      } catch (err) {
        if (!offline || !isTransient(err)) throw err;
        online = false;
      }
    }
    if (!online) {
      // The cache first: it holds both the outbox and the versions shown before a restart.
      if (!offline!.canQueue()) {
        throw new ArxFailure(
          'CACHE_LOCKED',
          'The control plane is unreachable and the local cache is not open: an approval signed now could not be queued, so nothing was signed.',
        );
      }
      const known = this.shown(req.tenantId, req.sha256);
      if (!known) {
        throw new ArxFailure(
          'DB_UNREACHABLE',
          'The control plane is unreachable and this version was not loaded while it was connected: it cannot be approved offline.',
          {
            sha256: req.sha256,
          },
        );
      }
      version = {
        sha256: known.sha256,
        blake3: known.blake3,
        policyId: known.policyId,
        policyName: known.policyName,
        state: known.state,
        authorId: known.author.operatorId,
      };
    }
    if (!version) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${req.sha256} in this tenant.`);
    if (version.state !== 'submitted')
      throw new ArxFailure(
        'POLICY_STATE_INVALID',
        `Version ${req.sha256} is ${version.state}; only a submitted version can be approved.`,
        { state: version.state },
      );
    if (version.authorId === op.operatorId) {
      throw new ArxFailure(
        'POLICY_SELF_APPROVAL',
        'You are the author of this version: a different operator with the approver role must approve it.',
      );
    }
    const statement: PolicySignatureStatement = {
      _type: 'arx.policy-signature/v1',
      role: 'approver',
      tenantId: req.tenantId,
      policyId: version.policyId,
      version: { sha256: version.sha256, blake3: version.blake3 },
    };
    const signed = await this.signStatement(
      POLICY_SIGNATURE_PAYLOAD_TYPE,
      statementBytes(statement),
      `Approval of policy version ${version.sha256} of ${version.policyName}`,
      req.pin,
      op,
    );
    if (signed.operator.operatorId === version.authorId)
      throw new ArxFailure('POLICY_SELF_APPROVAL', 'The card that signed belongs to the author of this version.');
    const v = version;
    const queue = (): ApprovalResult => {
      const payload: QueuedApproval = {
        v: 1,
        tenantId: req.tenantId,
        policyId: v.policyId,
        policyName: v.policyName,
        sha256: v.sha256,
        blake3: v.blake3,
        envelope: signed.envelope,
        certificateSha256: signed.certificateSha256,
        operatorId: op.operatorId,
        edipi: op.edipi,
      };
      offline!.enqueue(
        payload,
        `Approval of ${v.policyName} version ${v.sha256.slice(0, 16)}…, signed by ${op.displayName}`,
      );
      const shown = this.shown(req.tenantId, req.sha256);
      if (!shown) throw new ArxFailure('INTERNAL', 'The queued approval has no version summary to show.');
      return { ...shown, delivery: 'queued' };
    };
    if (!online) return queue();
    try {
      await this.storeApproval(req.tenantId, v, signed, op);
    } catch (err) {
      if (offline && isTransient(err) && this.shown(req.tenantId, req.sha256)) return queue();
      throw err;
    }
    this.deps.onChanged?.({
      tenantId: req.tenantId,
      policyName: version.policyName,
      sha256: version.sha256,
      step: 'approved',
    });
    return { ...(await this.summary(req.tenantId, req.sha256)), delivery: 'stored' };
  }

  /** The approval's signature, the version's new state and com.arx.policy.approved: the online write (one transaction in the tenant). */
  private async storeApproval(
    tenantId: string,
    version: Pick<VersionRow, 'sha256' | 'policyId'>,
    signed: { envelope: unknown; certificateSha256: string; operator: OperatorSession },
    op: OperatorSession,
  ): Promise<void> {
    const req = { tenantId, sha256: version.sha256 };
    await this.step(req.tenantId, async (c) => {
      const locked = await c.query<{ state: string }>(
        'SELECT state FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = $2 FOR UPDATE',
        [req.tenantId, bin(req.sha256)],
      );
      if (locked.rows[0]?.state !== 'submitted')
        throw new ArxFailure('POLICY_STATE_INVALID', `Version ${req.sha256} is no longer submitted.`);
      await insertSignature(c, req.tenantId, req.sha256, 'approver', signed);
      const check = await this.checkVersion(c, req.tenantId, req.sha256);
      if (!check.ok) {
        const self = check.findings.some((f) => f.problem === 'SELF_APPROVAL');
        throw new ArxFailure(
          self ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
          `The approval does not verify: ${reasonsOf(check).join('; ')}`,
          { findings: check.findings },
        );
      }
      await c.query(`UPDATE arx.policy_versions SET state = 'approved' WHERE tenant_id = $1 AND sha256 = $2`, [
        req.tenantId,
        bin(req.sha256),
      ]);
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.approved',
        { policyId: version.policyId, versionSha256: version.sha256, approver: op.operatorId },
        op.edipi,
      );
    });
  }

  /**
   * The delivery of kind `policy.approval` (an approval signed offline): the same signature row,
   * state change and com.arx.policy.approved event as an online approval, in the outbox's
   * exactly-once transaction. Refused (kept as rejected with the code): the version is gone
   * (POLICY_VERSION_UNKNOWN), no longer submitted — approved, rejected or published meanwhile
   * (POLICY_STATE_INVALID) — or the signature does not verify against the enrolled certificates
   * and roles (POLICY_SIGNATURE_INVALID / POLICY_SELF_APPROVAL).
   */
  approvalDelivery(): Delivery {
    return (payload) => {
      const q = payload as QueuedApproval;
      if (
        q?.v !== 1 ||
        typeof q.tenantId !== 'string' ||
        typeof q.sha256 !== 'string' ||
        typeof q.operatorId !== 'string'
      ) {
        throw new ArxFailure('INVALID_REQUEST', 'The queued approval is not in the expected form.');
      }
      return {
        tenantId: q.tenantId,
        operatorId: q.operatorId,
        events: [
          {
            type: 'com.arx.policy.approved',
            data: { policyId: q.policyId, versionSha256: q.sha256, approver: q.operatorId },
            subject: q.edipi,
          },
        ],
        // The screens showing this version (submitted) learn it is approved, as after an online approval.
        stored: () =>
          this.deps.onChanged?.({ tenantId: q.tenantId, policyName: q.policyName, sha256: q.sha256, step: 'approved' }),
        write: async (c) => {
          const locked = await c.query<{ state: string }>(
            'SELECT state FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = $2 FOR UPDATE',
            [q.tenantId, bin(q.sha256)],
          );
          if (!locked.rows[0])
            throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${q.sha256} in this tenant (any more).`);
          if (locked.rows[0].state !== 'submitted') {
            throw new ArxFailure(
              'POLICY_STATE_INVALID',
              `Version ${q.sha256} is ${locked.rows[0].state} now; the approval signed offline is refused.`,
              { state: locked.rows[0].state },
            );
          }
          await insertSignature(c, q.tenantId, q.sha256, 'approver', {
            envelope: q.envelope,
            certificateSha256: q.certificateSha256,
            operator: { operatorId: q.operatorId },
          });
          const check = await this.checkVersion(c, q.tenantId, q.sha256);
          if (!check.ok) {
            const self = check.findings.some((f) => f.problem === 'SELF_APPROVAL');
            throw new ArxFailure(
              self ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
              `The approval does not verify: ${reasonsOf(check).join('; ')}`,
              { findings: check.findings },
            );
          }
          await c.query(`UPDATE arx.policy_versions SET state = 'approved' WHERE tenant_id = $1 AND sha256 = $2`, [
            q.tenantId,
            bin(q.sha256),
          ]);
        },
      };
    };
  }

  async reject(req: { tenantId: string; sha256: string }): Promise<VersionSummary> {
    const op = this.operator(req.tenantId, ['approver'], 'reject a policy version');
    const name = await this.step(req.tenantId, async (c) => {
      const v = await versionBySha(c, req.tenantId, req.sha256);
      if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${req.sha256} in this tenant.`);
      if (v.state !== 'submitted')
        throw new ArxFailure(
          'POLICY_STATE_INVALID',
          `Version ${req.sha256} is ${v.state}; only a submitted version can be rejected.`,
          { state: v.state },
        );
      await c.query(`UPDATE arx.policy_versions SET state = 'rejected' WHERE tenant_id = $1 AND sha256 = $2`, [
        req.tenantId,
        bin(req.sha256),
      ]);
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.rejected',
        { policyId: v.policyId, versionSha256: v.sha256, by: op.operatorId },
        op.edipi,
      );
      return v.policyName;
    });
    this.deps.onChanged?.({ tenantId: req.tenantId, policyName: name, sha256: req.sha256, step: 'rejected' });
    return this.summary(req.tenantId, req.sha256);
  }

  async publish(req: { tenantId: string; sha256: string }): Promise<VersionSummary> {
    const op = this.operator(req.tenantId, ['approver', 'policy-author'], 'publish a policy version');
    const name = await this.step(req.tenantId, async (c) => {
      const v = await versionBySha(c, req.tenantId, req.sha256);
      if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${req.sha256} in this tenant.`);
      if (v.state !== 'approved')
        throw new ArxFailure(
          'POLICY_STATE_INVALID',
          `Version ${req.sha256} is ${v.state}; only an approved version can be published.`,
          { state: v.state },
        );
      const check = await this.checkVersion(c, req.tenantId, req.sha256);
      if (!check.ok)
        throw new ArxFailure(
          'POLICY_SIGNATURE_INVALID',
          `Version ${req.sha256} is not published: ${reasonsOf(check).join('; ')}`,
          { findings: check.findings },
        );
      const previous = await this.activate(c, req.tenantId, v, op.operatorId, 'publish', null);
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.published',
        { policyId: v.policyId, versionSha256: v.sha256, previousSha256: previous, publishedBy: op.operatorId },
        op.edipi,
      );
      return v.policyName;
    });
    this.deps.onChanged?.({ tenantId: req.tenantId, policyName: name, sha256: req.sha256, step: 'published' });
    return this.summary(req.tenantId, req.sha256);
  }

  /** Makes `v` the active version: the one active before is superseded; a publication row records it. Returns the previous digest. */
  private async activate(
    c: pg.ClientBase,
    tenantId: string,
    v: VersionRow,
    by: string,
    kind: 'publish' | 'rollback',
    rollbackId: string | null,
  ): Promise<string | null> {
    const p = await c.query<{ active: Buffer | null }>(
      'SELECT active_version_sha256 AS active FROM arx.policies WHERE tenant_id = $1 AND id = $2 FOR UPDATE',
      [tenantId, v.policyId],
    );
    const previous = p.rows[0]?.active?.toString('hex') ?? null;
    if (previous === v.sha256)
      throw new ArxFailure('POLICY_STATE_INVALID', `Version ${v.sha256} is already the active version.`);
    if (previous)
      await c.query(`UPDATE arx.policy_versions SET state = 'superseded' WHERE tenant_id = $1 AND sha256 = $2`, [
        tenantId,
        bin(previous),
      ]);
    await c.query(`UPDATE arx.policy_versions SET state = 'published' WHERE tenant_id = $1 AND sha256 = $2`, [
      tenantId,
      bin(v.sha256),
    ]);
    await c.query('UPDATE arx.policies SET active_version_sha256 = $3 WHERE tenant_id = $1 AND id = $2', [
      tenantId,
      v.policyId,
      bin(v.sha256),
    ]);
    const seq = await c.query<{ n: number }>(
      'SELECT coalesce(max(seq) + 1, 0)::int AS n FROM arx.policy_publications WHERE tenant_id = $1 AND policy_id = $2',
      [tenantId, v.policyId],
    );
    await c.query(
      `INSERT INTO arx.policy_publications (tenant_id, policy_id, seq, version_sha256, kind, rollback_id, published_by) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [tenantId, v.policyId, seq.rows[0]!.n, bin(v.sha256), kind, rollbackId, by],
    );
    return previous;
  }

  // ---- rollback ----------------------------------------------------------------------------------

  async requestRollback(req: { tenantId: string; sha256: string; pin: string }) {
    const op = this.operator(req.tenantId, ['policy-author', 'approver'], 'request a rollback');
    const pool = this.deps.pool();
    const rollbackId = randomUUID();
    const target = await withTenant(pool, req.tenantId, async (c) => {
      const v = await versionBySha(c, req.tenantId, req.sha256);
      if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${req.sha256} in this tenant.`);
      const pubs = await publicationsOf(c, req.tenantId, v.policyId);
      if (!pubs.some((p) => p.sha256 === v.sha256))
        throw new ArxFailure(
          'POLICY_ROLLBACK_INVALID',
          `Version ${v.sha256} was never published: a rollback returns to an earlier published version.`,
        );
      const policy = await policyByName(c, req.tenantId, v.policyName);
      if (policy?.activeSha256 === v.sha256)
        throw new ArxFailure('POLICY_ROLLBACK_INVALID', `Version ${v.sha256} is the active version already.`);
      const check = await this.checkVersion(c, req.tenantId, v.sha256);
      if (!check.ok)
        throw new ArxFailure(
          'POLICY_ROLLBACK_INVALID',
          `Version ${v.sha256} does not pass the signature check: ${reasonsOf(check).join('; ')}`,
          { findings: check.findings },
        );
      return { v, from: policy?.activeSha256 ?? null };
    });
    const statement: PolicyRollbackStatement = {
      _type: 'arx.policy-rollback/v1',
      role: 'requester',
      rollbackId,
      tenantId: req.tenantId,
      policyId: target.v.policyId,
      toSha256: target.v.sha256,
      fromSha256: target.from,
    };
    const signed = await this.signStatement(
      POLICY_ROLLBACK_PAYLOAD_TYPE,
      statementBytes(statement),
      `Rollback of ${target.v.policyName} to version ${target.v.sha256} (request)`,
      req.pin,
      op,
    );
    await this.step(req.tenantId, async (c) => {
      await c.query(
        `INSERT INTO arx.policy_rollbacks (id, tenant_id, policy_id, to_sha256, from_sha256, requested_by, request_certificate_sha256, request_envelope)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8::jsonb)`,
        [
          rollbackId,
          req.tenantId,
          target.v.policyId,
          bin(target.v.sha256),
          target.from ? bin(target.from) : null,
          op.operatorId,
          bin(signed.certificateSha256),
          JSON.stringify(signed.envelope),
        ],
      );
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.rollbackrequested',
        {
          policyId: target.v.policyId,
          versionSha256: target.v.sha256,
          rollbackId,
          fromSha256: target.from,
          requestedBy: op.operatorId,
        },
        op.edipi,
      );
    });
    this.deps.onChanged?.({
      tenantId: req.tenantId,
      policyName: target.v.policyName,
      sha256: target.v.sha256,
      step: 'rollback-requested',
    });
    return this.rollbackView(req.tenantId, rollbackId);
  }

  async approveRollback(req: { tenantId: string; rollbackId: string; pin: string }) {
    const op = this.operator(req.tenantId, ['approver'], 'approve a rollback');
    const pool = this.deps.pool();
    const rb = await withTenant(pool, req.tenantId, (c) => rollbackRow(c, req.rollbackId));
    if (!rb) throw new ArxFailure('NOT_FOUND', `No rollback ${req.rollbackId} in this tenant.`);
    if (rb.state !== 'requested')
      throw new ArxFailure('POLICY_STATE_INVALID', `Rollback ${req.rollbackId} is ${rb.state}.`, { state: rb.state });
    if (rb.requester.operatorId === op.operatorId)
      throw new ArxFailure(
        'POLICY_SELF_APPROVAL',
        'You requested this rollback: a different operator with the approver role must approve it.',
      );
    const statement: PolicyRollbackStatement = { ...rollbackStatement(rb), role: 'approver' };
    const signed = await this.signStatement(
      POLICY_ROLLBACK_PAYLOAD_TYPE,
      statementBytes(statement),
      `Approval of the rollback to version ${rb.toSha256}`,
      req.pin,
      op,
    );
    if (signed.operator.operatorId === rb.requester.operatorId)
      throw new ArxFailure('POLICY_SELF_APPROVAL', 'The card that signed belongs to the requester of this rollback.');
    const name = await this.step(req.tenantId, async (c) => {
      const upd = await c.query(
        `UPDATE arx.policy_rollbacks SET approved_by = $2, approval_certificate_sha256 = $3, approval_envelope = $4::jsonb, approved_at = now(), state = 'applied'
         WHERE id = $1 AND state = 'requested'`,
        [req.rollbackId, op.operatorId, bin(signed.certificateSha256), JSON.stringify(signed.envelope)],
      );
      if (upd.rowCount !== 1)
        throw new ArxFailure('POLICY_STATE_INVALID', `Rollback ${req.rollbackId} is no longer requested.`);
      const now = await rollbackRow(c, req.rollbackId);
      const certs = await enrolledCertificates(c, req.tenantId, [
        now!.requester.certificateSha256,
        now!.approver!.certificateSha256,
      ]);
      const r = checkRollbackSignatures(now!, (s) => certs.get(s), nodeSignatureVerifier);
      if (!r.ok) {
        const self = r.findings.some((f) => f.includes('approved by its requester'));
        throw new ArxFailure(
          self ? 'POLICY_SELF_APPROVAL' : 'POLICY_SIGNATURE_INVALID',
          `The rollback does not verify: ${r.findings.join('; ')}`,
        );
      }
      const v = await versionBySha(c, req.tenantId, rb.toSha256);
      const check = await this.checkVersion(c, req.tenantId, rb.toSha256);
      if (!v || !check.ok)
        throw new ArxFailure('POLICY_ROLLBACK_INVALID', `Version ${rb.toSha256} no longer passes the signature check.`);
      const previous = await this.activate(c, req.tenantId, v, op.operatorId, 'rollback', req.rollbackId);
      if (previous !== rb.fromSha256) {
        throw new ArxFailure(
          'POLICY_ROLLBACK_INVALID',
          `The active version changed since the rollback was requested (${previous ?? 'none'}, not ${rb.fromSha256 ?? 'none'}): request it again.`,
        );
      }
      await this.audit(
        c,
        req.tenantId,
        'com.arx.policy.rolledback',
        { policyId: v.policyId, versionSha256: v.sha256, fromSha256: previous ?? v.sha256, by: op.operatorId },
        op.edipi,
      );
      return v.policyName;
    });
    this.deps.onChanged?.({ tenantId: req.tenantId, policyName: name, sha256: rb.toSha256, step: 'rolledback' });
    return this.rollbackView(req.tenantId, req.rollbackId);
  }

  // ---- reading -------------------------------------------------------------------------------

  /** A side of a diff or the target of an impact replay: a version, the operator's draft, or nothing. */
  async resolveRef(
    tenantId: string,
    ref: { sha256: string } | { draft: string } | { empty: true },
  ): Promise<DiffSide | null> {
    this.operator(tenantId, null, 'compare policies');
    if ('empty' in ref) return null;
    if ('draft' in ref) {
      const d = await this.getDraft(tenantId, ref.draft);
      if (!d)
        throw new ArxFailure('POLICY_DRAFT_MISSING', `You have no draft of the ${ref.draft} policy in this tenant.`);
      return { text: d.text, schema: d.schema, tests: d.tests, digest: d.digest };
    }
    const v = await withTenant(this.deps.pool(), tenantId, (c) => versionBySha(c, tenantId, ref.sha256));
    if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${ref.sha256} in this tenant.`);
    return { text: v.text, schema: v.schema, tests: v.tests, digest: { sha256: v.sha256, blake3: v.blake3 } };
  }

  private async checkVersion(c: pg.ClientBase, tenantId: string, sha256: string): Promise<SignatureCheck> {
    const v = await versionBySha(c, tenantId, sha256);
    if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
    const sigs = (await signaturesOf(c, tenantId, [sha256])).get(sha256) ?? [];
    const certs = await enrolledCertificates(
      c,
      tenantId,
      sigs.map((s) => s.certificateSha256),
    );
    return checkSignedVersion(v, sigs, (s) => certs.get(s), nodeSignatureVerifier);
  }

  async summary(tenantId: string, sha256: string): Promise<VersionSummary> {
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const v = await versionBySha(c, tenantId, sha256);
      if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
      return (await this.summaries(c, tenantId, [v]))[0]!;
    });
  }

  async detail(tenantId: string, sha256: string) {
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const v = await versionBySha(c, tenantId, sha256);
      if (!v) throw new ArxFailure('POLICY_VERSION_UNKNOWN', `No version ${sha256} in this tenant.`);
      const [s] = await this.summaries(c, tenantId, [v]);
      const sigs = (await signaturesOf(c, tenantId, [sha256])).get(sha256) ?? [];
      return {
        ...s!,
        text: v.text,
        schema: v.schema,
        tests: v.tests as PolicyTest[],
        envelopes: sigs.map((x) => ({ role: x.role, envelope: x.envelope })),
      };
    });
  }

  private async summaries(
    c: pg.ClientBase,
    tenantId: string,
    versions: readonly VersionRow[],
    decisions?: Map<string, number>,
  ): Promise<VersionSummary[]> {
    const shas = versions.map((v) => v.sha256);
    const sigs = await signaturesOf(c, tenantId, shas);
    const allSigs = [...sigs.values()].flat();
    const certs = await enrolledCertificates(
      c,
      tenantId,
      allSigs.map((s) => s.certificateSha256),
    );
    const people = await operatorRefs(c, [...versions.map((v) => v.authorId), ...allSigs.map((s) => s.operatorId)]);
    const active = new Set((await listPolicies(c, tenantId)).map((p) => p.activeSha256).filter(Boolean));
    const counts = decisions ?? (await decisionCounts(c, tenantId, shas));
    const ref = (id: string): OperatorRef =>
      people.get(id) ?? { operatorId: id, displayName: '(unknown operator)', edipi: '' };
    const out = versions.map((v): VersionSummary => {
      const list: SignatureRow[] = sigs.get(v.sha256) ?? [];
      const check = checkSignedVersion(v, list, (s) => certs.get(s), nodeSignatureVerifier);
      const approverSig = list.find((s) => s.role === 'approver');
      return {
        sha256: v.sha256,
        blake3: v.blake3,
        policyId: v.policyId,
        policyName: v.policyName,
        parentSha256: v.parentSha256,
        state: v.state,
        author: ref(v.authorId),
        approver: approverSig ? ref(approverSig.operatorId) : null,
        createdAt: v.createdAt,
        active: active.has(v.sha256),
        signaturesVerified: check.ok,
        signatures: list.map((s) => {
          const findings = check.findings.filter((f) => f.role === s.role || f.role === null);
          const ok = check.verified[s.role];
          return {
            role: s.role,
            operator: ref(s.operatorId),
            certificateSha256: s.certificateSha256,
            signedAt: s.signedAt,
            verified: ok,
            problem: ok ? null : findings.map((f) => `${f.problem}: ${f.message}`).join('; ') || 'does not verify',
          };
        }),
        decisions: counts.get(v.sha256) ?? 0,
      };
    });
    // Remembered for approving offline (bounded: the oldest entries go first), and kept in the
    // local cache (sealed), so that a console restarted while offline still knows it.
    for (const x of out) {
      const key = `${tenantId}/${x.sha256}`;
      this.seen.delete(key);
      this.seen.set(key, x);
      this.deps.offline?.remember?.(tenantId, x);
    }
    while (this.seen.size > 2000) this.seen.delete(this.seen.keys().next().value!);
    return out;
  }

  async list(tenantId: string) {
    this.operator(tenantId, null, 'see the policies');
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const policies = await listPolicies(c, tenantId);
      const out = [];
      for (const p of policies) {
        const v = p.activeSha256 ? await versionBySha(c, tenantId, p.activeSha256) : null;
        out.push({ policyId: p.id, name: p.name, active: v ? (await this.summaries(c, tenantId, [v]))[0]! : null });
      }
      return { policies: out };
    });
  }

  async history(tenantId: string, policyName: string) {
    this.operator(tenantId, null, 'see the policy history');
    return withTenant(this.deps.pool(), tenantId, async (c) => {
      const p = await policyByName(c, tenantId, policyName);
      if (!p) return { versions: [], rollbacks: [], events: [] };
      const versions = await this.summaries(c, tenantId, await versionsOfPolicy(c, tenantId, p.id));
      const ids = await c.query<{ id: string }>(
        'SELECT id FROM arx.policy_rollbacks WHERE tenant_id = $1 AND policy_id = $2 ORDER BY requested_at DESC',
        [tenantId, p.id],
      );
      const rollbacks = [];
      for (const r of ids.rows) rollbacks.push(await this.rollbackViewIn(c, tenantId, r.id));
      const ev = await c.query<{ seq: string; type: string; time: Date; data: Record<string, unknown> }>(
        `SELECT seq, type, time, doc->'data' AS data FROM arx.audit_events
         WHERE tenant_id = $1 AND type = ANY($2::text[]) AND doc->'data'->>'policyId' = $3 ORDER BY seq DESC LIMIT 500`,
        [tenantId, LIFECYCLE_TYPES, p.id],
      );
      return {
        versions,
        rollbacks,
        events: ev.rows.map((e) => ({ seq: Number(e.seq), type: e.type, time: e.time.toISOString(), data: e.data })),
      };
    });
  }

  private async rollbackView(tenantId: string, id: string) {
    return withTenant(this.deps.pool(), tenantId, (c) => this.rollbackViewIn(c, tenantId, id));
  }

  private async rollbackViewIn(c: pg.ClientBase, tenantId: string, id: string) {
    const rb = await rollbackRow(c, id);
    if (!rb || rb.tenantId !== tenantId) throw new ArxFailure('NOT_FOUND', `No rollback ${id} in this tenant.`);
    const people = await operatorRefs(c, [rb.requester.operatorId, rb.approver?.operatorId ?? rb.requester.operatorId]);
    const ref = (oid: string): OperatorRef =>
      people.get(oid) ?? { operatorId: oid, displayName: '(unknown operator)', edipi: '' };
    return {
      rollbackId: rb.rollbackId,
      policyId: rb.policyId,
      toSha256: rb.toSha256,
      fromSha256: rb.fromSha256,
      state: rb.state,
      requestedBy: ref(rb.requester.operatorId),
      approvedBy: rb.approver ? ref(rb.approver.operatorId) : null,
      requestedAt: rb.requestedAt,
    };
  }

  /** Signs a statement as a DSSE envelope on the operator's card: the card signs SHA-256 of the PAE. */
  private async signStatement(
    payloadType: string,
    payload: Uint8Array,
    purpose: string,
    pin: string,
    op: OperatorSession,
  ) {
    const digest = createHash('sha256').update(pae(payloadType, payload)).digest();
    const sig = await this.deps.auth.sign(purpose, new Uint8Array(digest), pin);
    if (sig.operator.operatorId !== op.operatorId)
      throw new ArxFailure('SESSION_OTHER_CARD', 'The card that signed is not the logged-in operator’s.');
    const envelope = envelopeOf(payloadType, payload, [{ keyid: sig.certificateSha256, sig: sig.signature }]);
    return { envelope, certificateSha256: sig.certificateSha256, operator: sig.operator };
  }
}

const LIFECYCLE_TYPES = [
  'com.arx.policy.submitted',
  'com.arx.policy.approved',
  'com.arx.policy.rejected',
  'com.arx.policy.published',
  'com.arx.policy.rollbackrequested',
  'com.arx.policy.rolledback',
];

function rollbackStatement(rb: NonNullable<Awaited<ReturnType<typeof rollbackRow>>>): PolicyRollbackStatement {
  return {
    _type: 'arx.policy-rollback/v1',
    role: 'requester',
    rollbackId: rb.rollbackId,
    tenantId: rb.tenantId,
    policyId: rb.policyId,
    toSha256: rb.toSha256,
    fromSha256: rb.fromSha256,
  };
}

async function insertSignature(
  c: pg.ClientBase,
  tenantId: string,
  sha256: string,
  role: 'author' | 'approver',
  signed: { envelope: unknown; certificateSha256: string; operator: Pick<OperatorSession, 'operatorId'> },
) {
  await c.query(
    `INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
    [
      bin(sha256),
      tenantId,
      signed.operator.operatorId,
      role,
      bin(signed.certificateSha256),
      JSON.stringify(signed.envelope),
    ],
  );
}

/** com.arx.policy.decided events per version digest (the history screen's "decisions produced"). */
export async function decisionCounts(
  c: pg.ClientBase,
  tenantId: string,
  shas: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (shas.length === 0) return out;
  const r = await c.query<{ v: string; n: string }>(
    `SELECT doc->'data'->'policyVersion'->>'sha256' AS v, count(*) AS n FROM arx.audit_events
     WHERE tenant_id = $1 AND type = 'com.arx.policy.decided' AND doc->'data'->'policyVersion'->>'sha256' = ANY($2::text[]) GROUP BY 1`,
    [tenantId, [...shas]],
  );
  for (const row of r.rows) out.set(row.v, Number(row.n));
  return out;
}

function draftOf(
  tenantId: string,
  policyName: string,
  baseSha256: string | null,
  text: string,
  schema: string,
  tests: PolicyTest[],
  savedAt: string,
): Draft {
  return {
    tenantId,
    policyName,
    baseSha256,
    text,
    schema,
    tests,
    savedAt,
    digest: policyVersionDigest({ policies: text, schema, tests }),
  };
}

/**
 * Why a draft cannot be submitted, or null: validation errors (strict, against its schema), failing
 * tests, or tests whose evaluation reports errors. Also used by `arx policy check`.
 */
export function submissionBlockers(text: string, schema: string, tests: readonly PolicyTest[]): ArxFailure | null {
  const validation = validatePolicies(cedar, text, schema);
  const run = runPolicyTests(cedar, text, tests);
  const bad = run.results.filter((r) => r.status !== 'pass');
  if (validation.ok && bad.length === 0) return null;
  const parts: string[] = [];
  if (!validation.ok)
    parts.push(`${validation.errors.length} validation error${validation.errors.length === 1 ? '' : 's'}`);
  if (run.failed) parts.push(`${run.failed} failing test${run.failed === 1 ? '' : 's'}`);
  if (validation.ok && run.errored)
    parts.push(`${run.errored} test${run.errored === 1 ? '' : 's'} with evaluation errors`);
  return new ArxFailure('POLICY_SUBMIT_BLOCKED', `The draft cannot be submitted: ${parts.join(', ')}.`, {
    validation: validation.errors,
    tests: bad.map((r) => ({ name: r.name, status: r.status, message: r.message })),
  });
}
