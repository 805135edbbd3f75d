import { randomBytes, randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { envelopeOf } from '../../../shared/dsse';
import type { EventType } from '../../../shared/events';
import {
  POLICY_PUBLICATION_PAYLOAD_TYPE,
  POLICY_SIGNATURE_PAYLOAD_TYPE,
  publicationBytes,
  statementBytes,
} from '../../../shared/policy';
import { ArxFailure } from '../../../shared/contract';
import {
  callDefiner,
  definerFailure,
  type DefinerFunction,
} from '../../../electron/main/controlplane/repos/definer-errors';
import { enrolOperatorLogin } from '../../../electron/main/controlplane/repos/operator-logins';
import {
  approveRollback,
  approveVersion,
  discardDraft,
  publishVersion,
  requestRollback,
  saveDraft,
  submitVersion,
} from '../../../electron/main/controlplane/repos/policy-steps';
import { stepEventRows } from '../../../electron/main/controlplane/step-events';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { randomDatabasePassword, scramSha256Verifier } from '../../../electron/main/crypto/scram';
import type { MigratedDatabase } from '../../support/pg';

/**
 * The definer functions (migration 0011) with operators' own credentials and plain SQL: each
 * takes the operator from the login role, refuses what the operator's roles do not allow,
 * self-approval (also with the operator's second certificate), a certificate of someone else, a
 * statement that is not the step's, an audit event that does not record the step, and a stale
 * publication sequence; the step and its event commit together. Signature envelopes here carry
 * no real signature: the database checks who and what, the gateway checks the cryptography.
 */
export function definerFunctions(open: (prefix: string) => Promise<MigratedDatabase>): void {
  let db: MigratedDatabase;
  let tenant: string;
  interface Op {
    id: string;
    edipi: string;
    certs: string[];
    pool: pg.Pool;
  }
  let author: Op; // policy-author and approver
  let approver: Op; // approver
  let auditor: Op; // auditor only

  const roleOf = (id: string) => `arx_op_${id.replace(/-/g, '')}`;
  let nextEdipi = 1_234_500_000 + Math.floor(Math.random() * 90_000);

  async function operator(roles: string[], certificates = 1): Promise<Op> {
    const id = randomUUID();
    const edipi = String(nextEdipi++);
    await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'Op')`, [id, edipi]);
    for (const role of roles)
      await db.admin.query('INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, $3)', [
        tenant,
        id,
        role,
      ]);
    const certs: string[] = [];
    for (let i = 0; i < certificates; i++) {
      const sha = randomBytes(32);
      await db.admin.query(
        `INSERT INTO arx.operator_certificates (sha256, operator_id, usage, subject, not_after, der) VALUES ($1, $2, 'signature', 'CN=t', now() + interval '1 year', '\\x00')`,
        [sha, id],
      );
      certs.push(sha.toString('hex'));
    }
    const password = randomDatabasePassword();
    await enrolOperatorLogin(db.admin, {
      operatorId: id,
      scramVerifier: scramSha256Verifier(password),
      wrap: randomBytes(64),
      wrapKeySha256: randomBytes(32),
    });
    return { id, edipi, certs, pool: db.connect(roleOf(id), password) };
  }

  type Event = { type: EventType; data: unknown };

  /** Runs `write` as the operator in tenant `t`, given the step's event rows prepared on the stored head. */
  async function step(
    op: Op,
    event: Event | undefined,
    write: (c: pg.PoolClient, rows: unknown[]) => Promise<unknown>,
    t = tenant,
  ): Promise<void> {
    await withTenant(op.pool, t, async (c) => {
      const rows = event ? await stepEventRows(c, t, '/arx/console/test', { ...event, subject: op.edipi }) : [];
      await write(c, rows);
    });
  }

  /** Calls arx.<fn>(args…, event rows…) as the operator in `t`. */
  const call = (op: Op, fn: DefinerFunction, args: unknown[], event?: Event, t = tenant) =>
    step(op, event, (c, rows) => callDefiner(c, fn, [...args, ...rows]), t);

  /** The SQLSTATE a call fails with ('' when it succeeds); the ArxFailure carries it and its mapped code. */
  const state = (p: Promise<unknown>) =>
    p.then(
      () => '',
      (e: unknown) => {
        if (!(e instanceof ArxFailure)) return String(e);
        const sqlstate = String(e.details?.sqlstate);
        expect(definerFailure({ code: sqlstate, message: 'arx: x' })).toMatchObject({ code: e.code });
        return sqlstate;
      },
    );

  const digest = () => ({ sha256: randomBytes(32).toString('hex'), blake3: randomBytes(32).toString('hex') });
  const hexBuf = (h: string | null) => (h ? Buffer.from(h, 'hex') : null);
  const fakeSig = (keyid: string) => [{ keyid, sig: randomBytes(64) }];

  function versionEnvelope(
    role: 'author' | 'approver',
    policyId: string,
    v: { sha256: string; blake3: string },
    cert: string,
  ) {
    const st = statementBytes({ _type: 'arx.policy-signature/v1', role, tenantId: tenant, policyId, version: v });
    return envelopeOf(POLICY_SIGNATURE_PAYLOAD_TYPE, st, fakeSig(cert));
  }

  function publicationEnvelope(
    kind: 'publish' | 'rollback',
    policyId: string,
    v: { sha256: string; blake3: string },
    previousSha256: string | null,
    sequence: number,
    rollbackId: string | null,
    cert: string,
  ) {
    const st = publicationBytes({
      _type: 'arx.policy-publication/v1',
      kind,
      tenantId: tenant,
      policyId,
      version: v,
      previousSha256,
      sequence,
      rollbackId,
    });
    return envelopeOf(POLICY_PUBLICATION_PAYLOAD_TYPE, st, fakeSig(cert));
  }

  const policyId = randomUUID();

  async function submit(op: Op, v = digest(), cert = op.certs[0]!): Promise<{ sha256: string; blake3: string }> {
    const event = {
      type: 'com.arx.policy.submitted' as const,
      data: { policyId, versionSha256: v.sha256, versionBlake3: v.blake3, author: op.id },
    };
    const version = { tenantId: tenant, policyId, policyName: 'gateway', ...v, parentSha256: null };
    const text = { text: 'permit(principal, action, resource);', schema: '', tests: [] };
    const signed = { certificateSha256: cert, envelope: versionEnvelope('author', policyId, v, cert) };
    await step(op, event, (c, rows) => submitVersion(c, { ...version, ...text }, signed, rows));
    return v;
  }

  function approve(op: Op, v: { sha256: string; blake3: string }, cert = op.certs[0]!, event?: Event) {
    const signed = { certificateSha256: cert, envelope: versionEnvelope('approver', policyId, v, cert) };
    const approved = {
      type: 'com.arx.policy.approved' as const,
      data: { policyId, versionSha256: v.sha256, approver: op.id },
    };
    return step(op, event ?? approved, (c, rows) => approveVersion(c, tenant, v.sha256, signed, rows));
  }

  function publish(op: Op, v: { sha256: string; blake3: string }, previous: string | null, sequence: number) {
    const cert = op.certs[0]!;
    const signed = {
      certificateSha256: cert,
      envelope: publicationEnvelope('publish', policyId, v, previous, sequence, null, cert),
    };
    const event = {
      type: 'com.arx.policy.published' as const,
      data: { policyId, versionSha256: v.sha256, previousSha256: previous, publishedBy: op.id },
    };
    return step(op, event, (c, rows) =>
      publishVersion(c, { tenantId: tenant, sha256: v.sha256, previousSha256: previous, sequence }, signed, rows),
    );
  }

  beforeAll(async () => {
    db = await open('definer');
    tenant = db.tenants.a;
    author = await operator(['policy-author', 'approver'], 2);
    approver = await operator(['approver']);
    auditor = await operator(['auditor']);
  });
  afterAll(async () => {
    await db?.drop();
  });

  describe('definer functions as the operator behind the login role', () => {
    it('drafts: an author saves and discards their own; an auditor may not save one', async () => {
      const draft = { tenantId: tenant, policyName: 'gateway', baseSha256: null, schema: '', tests: [] };
      await step(author, undefined, (c) => saveDraft(c, { ...draft, text: 'permit(principal, action, resource);' }));
      const rows = await db.admin.query('SELECT operator_id FROM arx.policy_drafts WHERE tenant_id = $1', [tenant]);
      expect(rows.rows).toEqual([{ operator_id: author.id }]);
      expect(await state(call(auditor, 'save_draft', [tenant, 'gateway', null, 'x', '', '[]']))).toBe('AX403');
      expect(await state(call(author, 'save_draft', [tenant, 'gateway', randomBytes(32), 'x', '', '[]']))).toBe(
        'AX404',
      );
      // Another tenant: not the session's tenant, or the operator holds no role there.
      expect(await state(call(author, 'save_draft', [db.tenants.b, 'gateway', null, 'x', '', '[]']))).toBe('AX402');
      expect(
        await state(
          call(author, 'save_draft', [db.tenants.b, 'gateway', null, 'x', '', '[]'], undefined, db.tenants.b),
        ),
      ).toBe('AX403');
      await step(author, undefined, async (c) => expect(await discardDraft(c, tenant, 'gateway')).toBe(true));
      expect((await db.admin.query('SELECT 1 FROM arx.policy_drafts')).rowCount).toBe(0);
    });

    it('submit, approve and publish: each checks role, operator, certificate, statement and event', async () => {
      expect(await state(submit(auditor))).toBe('AX403');
      expect(await state(submit(approver))).toBe('AX403');
      expect(await state(submit(author, digest(), approver.certs[0]!))).toBe('AX423');
      const v = await submit(author);
      // The author may not approve, with either of their certificates.
      expect(await state(approve(author, v))).toBe('AX410');
      expect(await state(approve(author, v, author.certs[1]!))).toBe('AX410');
      expect(await state(approve(auditor, v))).toBe('AX403');
      // Someone else's certificate, a statement for another version, an event that is not the step's.
      expect(await state(approve(approver, v, author.certs[0]!))).toBe('AX423');
      const other = { ...v, blake3: randomBytes(32).toString('hex') };
      const wrongStatement = call(
        approver,
        'approve_version',
        [
          tenant,
          hexBuf(v.sha256),
          hexBuf(approver.certs[0]!),
          versionEnvelope('approver', policyId, other, approver.certs[0]!),
        ],
        { type: 'com.arx.policy.approved', data: { policyId, versionSha256: v.sha256, approver: approver.id } },
      );
      expect(await state(wrongStatement)).toBe('AX422');
      const forgedEvent = {
        type: 'com.arx.policy.approved' as const,
        data: { policyId, versionSha256: v.sha256, approver: author.id },
      };
      expect(await state(approve(approver, v, approver.certs[0]!, forgedEvent))).toBe('AX424');
      const session = {
        type: 'com.arx.policy.rejected' as const,
        data: { policyId, versionSha256: v.sha256, by: approver.id },
      };
      expect(await state(approve(approver, v, approver.certs[0]!, session))).toBe('AX424');
      expect(await state(publish(author, v, null, 0))).toBe('AX409');

      await approve(approver, v);
      expect(await state(approve(approver, v))).toBe('AX409');
      expect(await state(publish(auditor, v, null, 0))).toBe('AX403');
      expect(await state(publish(author, v, null, 1))).toBe('AX412');
      await publish(author, v, null, 0);
      const r = await db.admin.query<{ state: string; seq: number; envelope: unknown; active: Buffer }>(
        `SELECT v.state, p.seq, p.envelope, pol.active_version_sha256 AS active FROM arx.policy_versions v
         JOIN arx.policy_publications p USING (tenant_id) JOIN arx.policies pol ON pol.id = p.policy_id
        WHERE v.tenant_id = $1 AND v.sha256 = $2`,
        [tenant, hexBuf(v.sha256)],
      );
      expect(r.rows[0]).toMatchObject({ state: 'published', seq: 0, active: hexBuf(v.sha256) });
      expect(r.rows[0]!.envelope).toMatchObject({ payloadType: POLICY_PUBLICATION_PAYLOAD_TYPE });
    });

    it('each step and its one audit event commit together (same transaction)', async () => {
      const r = await db.admin.query<{ type: string; same: boolean }>(
        `SELECT e.type, e.xmin = v.xmin AS same FROM arx.audit_events e
         JOIN arx.policy_versions v ON v.tenant_id = e.tenant_id AND encode(v.sha256, 'hex') = e.doc->'data'->>'versionSha256'
        WHERE e.tenant_id = $1 ORDER BY e.seq`,
        [tenant],
      );
      expect(r.rows.map((x) => x.type)).toEqual([
        'com.arx.policy.submitted',
        'com.arx.policy.approved',
        'com.arx.policy.published',
      ]);
      // The version row was last written by the publish, in the published event's transaction.
      expect(r.rows[2]!.same).toBe(true);
    });

    it('rollback: requested by one operator, approved by a different approver only, then published again', async () => {
      const first = (
        await db.admin.query<{ sha: Buffer; blake3: Buffer }>(
          `SELECT sha256 AS sha, blake3 FROM arx.policy_versions WHERE tenant_id = $1`,
          [tenant],
        )
      ).rows[0]!;
      const v1 = { sha256: first.sha.toString('hex'), blake3: first.blake3.toString('hex') };
      const v2 = await submit(author);
      await approve(approver, v2);
      await publish(approver, v2, v1.sha256, 1);
      const id = randomUUID();
      const request = (op: Op, sequence = 2) => {
        const cert = op.certs[0]!;
        const envelope = publicationEnvelope('rollback', policyId, v1, v2.sha256, sequence, id, cert);
        const event = {
          type: 'com.arx.policy.rollbackrequested' as const,
          data: { policyId, versionSha256: v1.sha256, rollbackId: id, fromSha256: v2.sha256, requestedBy: op.id },
        };
        const r = { tenantId: tenant, rollbackId: id, toSha256: v1.sha256, previousSha256: v2.sha256, sequence };
        return step(op, event, (c, rows) => requestRollback(c, r, { certificateSha256: cert, envelope }, rows));
      };
      expect(await state(request(auditor))).toBe('AX403');
      expect(await state(request(author, 3))).toBe('AX412');
      await request(author);
      const approveRb = (op: Op, cert = op.certs[0]!) => {
        const envelope = publicationEnvelope('rollback', policyId, v1, v2.sha256, 2, id, cert);
        const event = {
          type: 'com.arx.policy.rolledback' as const,
          data: { policyId, versionSha256: v1.sha256, fromSha256: v2.sha256, by: op.id },
        };
        return step(op, event, (c, rows) =>
          approveRollback(c, tenant, id, { certificateSha256: cert, envelope }, rows),
        );
      };
      expect(await state(approveRb(author))).toBe('AX410');
      expect(await state(approveRb(author, author.certs[1]!))).toBe('AX410');
      expect(await state(approveRb(auditor))).toBe('AX403');
      await approveRb(approver);
      const pub = await db.admin.query<{
        kind: string;
        previous: Buffer;
        envelope: { signatures: { keyid: string }[] };
      }>(
        `SELECT kind, previous_sha256 AS previous, envelope FROM arx.policy_publications WHERE tenant_id = $1 AND seq = 2`,
        [tenant],
      );
      expect(pub.rows[0]).toMatchObject({ kind: 'rollback', previous: hexBuf(v2.sha256) });
      expect(pub.rows[0]!.envelope.signatures.map((s) => s.keyid)).toEqual([author.certs[0], approver.certs[0]]);
      expect(await state(approveRb(approver))).toBe('AX409');
    });

    it('reviews, bundle exports, cache anchors and outbox receipts record the operator behind the login', async () => {
      const review = randomUUID();
      const reviewEvent = (op: Op) => ({
        type: 'com.arx.review.signed' as const,
        data: { reviewId: review, fromSeq: 0, toSeq: 1, signer: op.edipi, verdict: 'intact' },
      });
      expect(await state(call(auditor, 'record_review', [tenant, review, 0, 1, '{}'], reviewEvent(auditor)))).toBe(
        'AX403',
      );
      const isso = await operator(['isso']);
      expect(await state(call(isso, 'record_review', [tenant, review, 0, 1, '{}'], reviewEvent(author)))).toBe('AX424');
      await call(isso, 'record_review', [tenant, review, 0, 1, '{}'], reviewEvent(isso));
      const exported = (op: Op) => ({
        type: 'com.arx.bundle.exported' as const,
        data: { bundleSha256: randomBytes(32).toString('hex'), fromSeq: 0, toSeq: 1, exporter: op.id },
      });
      expect(await state(call(author, 'record_bundle_export', [tenant], exported(author)))).toBe('AX403');
      expect(await state(call(auditor, 'record_bundle_export', [tenant], exported(isso)))).toBe('AX424');
      await call(auditor, 'record_bundle_export', [tenant], exported(auditor));
      const cache = randomUUID();
      await call(auditor, 'record_cache_anchor', [tenant, cache, 7, 'a'.repeat(64)]);
      await call(auditor, 'record_outbox_receipt', [tenant, randomUUID(), 'review.signed', 5]);
      const who = await db.admin.query(
        `SELECT (SELECT signer_id FROM arx.review_certificates WHERE id = $1) AS review,
              (SELECT operator_id FROM arx.cache_anchors WHERE cache_id = $2) AS anchor,
              (SELECT operator_id FROM arx.outbox_receipts WHERE tenant_id = $3) AS receipt`,
        [review, cache, tenant],
      );
      expect(who.rows[0]).toEqual({ review: isso.id, anchor: auditor.id, receipt: auditor.id });
      const other = await operator([]);
      expect(await state(call(other, 'record_cache_anchor', [tenant, cache, 8, 'b'.repeat(64)]))).toBe('AX403');
    });

    it('the shared roles and a login that is no operator cannot call them at all', async () => {
      const denied = await withTenant(db.consolePool, tenant, (c) =>
        c.query('SELECT arx.discard_draft($1, $2)', [tenant, 'gateway']),
      ).catch((e: Error) => e);
      expect(String(denied)).toMatch(/permission denied for function discard_draft/);
      const helper = await withTenant(author.pool, tenant, (c) =>
        c.query('SELECT arx.acting_operator($1, NULL)', [tenant]),
      ).catch((e: Error) => e);
      expect(String(helper)).toMatch(/permission denied for function acting_operator/);
    });

    it('with operator credentials and with the console credential every INSERT, UPDATE and DELETE on every arx table is refused', async () => {
      const tables = (
        await db.admin.query<{ t: string; col: string }>(
          `SELECT c.table_name AS t, min(c.column_name) AS col FROM information_schema.columns c
           JOIN pg_tables p ON p.schemaname = c.table_schema AND p.tablename = c.table_name
          WHERE c.table_schema = 'arx' GROUP BY 1 ORDER BY 1`,
        )
      ).rows;
      expect(tables.map((r) => r.t)).toEqual(
        expect.arrayContaining(['policy_publications', 'policies', 'audit_events', 'checkpoints', 'operator_logins']),
      );
      for (const [who, pool] of [
        ['operator', author.pool],
        ['console', db.consolePool],
      ] as const) {
        for (const { t, col } of tables) {
          for (const sql of [
            `INSERT INTO arx.${t} DEFAULT VALUES`,
            `UPDATE arx.${t} SET ${col} = ${col} WHERE false`,
            `DELETE FROM arx.${t} WHERE false`,
          ]) {
            const err = await withTenant(pool, tenant, (c) => c.query(sql)).catch((e: Error) => e);
            expect({ who, sql, err: String(err) }).toMatchObject({
              who,
              sql,
              err: expect.stringMatching(/permission denied/),
            });
          }
        }
      }
    });

    // The rollback an attacker made with the console's password: a publication row pointing at a
    // superseded version, and the active pointer moved to it.
    it('a publication row or a moved active pointer written by hand is refused to the operator and the console', async () => {
      const pub = await db.admin.query<{ policy_id: string; version_sha256: Buffer; seq: number }>(
        'SELECT policy_id, version_sha256, seq FROM arx.policy_publications WHERE tenant_id = $1 ORDER BY seq LIMIT 1',
        [tenant],
      );
      const row = pub.rows[0]!;
      const before = await db.admin.query('SELECT active_version_sha256 AS a FROM arx.policies WHERE id = $1', [
        row.policy_id,
      ]);
      for (const [who, pool, by] of [
        ['operator', author.pool, author.id],
        ['operator (approver)', approver.pool, approver.id],
        ['console', db.consolePool, author.id],
      ] as const) {
        const insert = await withTenant(pool, tenant, (c) =>
          c.query(
            `INSERT INTO arx.policy_publications (tenant_id, policy_id, seq, version_sha256, kind, published_by)
           VALUES ($1, $2, 1000, $3, 'publish', $4)`,
            [tenant, row.policy_id, row.version_sha256, by],
          ),
        ).catch((e: Error) => e);
        expect({ who, err: String(insert) }).toEqual({ who, err: expect.stringMatching(/permission denied/) });
        const update = await withTenant(pool, tenant, (c) =>
          c.query('UPDATE arx.policies SET active_version_sha256 = $2 WHERE id = $1', [
            row.policy_id,
            row.version_sha256,
          ]),
        ).catch((e: Error) => e);
        expect({ who, err: String(update) }).toEqual({ who, err: expect.stringMatching(/permission denied/) });
      }
      const after = await db.admin.query('SELECT active_version_sha256 AS a FROM arx.policies WHERE id = $1', [
        row.policy_id,
      ]);
      expect(after.rows).toEqual(before.rows);
      expect(
        (await db.admin.query('SELECT 1 FROM arx.policy_publications WHERE tenant_id = $1 AND seq = 1000', [tenant]))
          .rowCount,
      ).toBe(0);
    });

    it('session events: only opened and closed, naming the operator behind the login, in a tenant they hold a role in', async () => {
      const session = (op: Op, type: 'com.arx.session.opened' | 'com.arx.session.closed', operatorId = op.id) => ({
        type,
        data:
          type === 'com.arx.session.opened'
            ? { operatorId, edipi: op.edipi, certificateSha256: 'a'.repeat(64), tokenLabel: 't', roles: [] }
            : { operatorId, edipi: op.edipi, reason: 'logout' },
      });
      await call(auditor, 'record_session_event', [tenant], session(auditor, 'com.arx.session.opened'));
      await call(auditor, 'record_session_event', [tenant], session(auditor, 'com.arx.session.closed'));
      expect(
        await state(
          call(auditor, 'record_session_event', [tenant], session(auditor, 'com.arx.session.opened', author.id)),
        ),
      ).toBe('AX424');
      const exported = {
        type: 'com.arx.bundle.exported' as const,
        data: { bundleSha256: randomBytes(32).toString('hex'), fromSeq: 0, toSeq: 1, exporter: auditor.id },
      };
      expect(await state(call(auditor, 'record_session_event', [tenant], exported))).toBe('AX424');
      const outsider = await operator([]);
      expect(
        await state(call(outsider, 'record_session_event', [tenant], session(outsider, 'com.arx.session.opened'))),
      ).toBe('AX403');
      const denied = await withTenant(db.consolePool, tenant, (c) =>
        c.query('SELECT arx.record_session_event($1, $2, $3, $4, $5, $6, $7, $8)', [
          tenant,
          [],
          [],
          [],
          [],
          [],
          [],
          [],
        ]),
      ).catch((e: Error) => e);
      expect(String(denied)).toMatch(/permission denied for function record_session_event/);
      // Operators append nothing directly any more.
      const direct = await withTenant(auditor.pool, tenant, (c) =>
        c.query('SELECT arx.append_events($1, $2, $3, $4, $5, $6, $7, $8)', [tenant, [], [], [], [], [], [], []]),
      ).catch((e: Error) => e);
      expect(String(direct)).toMatch(/permission denied for function append_events/);
    });
  });
}
