import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT, DEMO_DIRECTORY, type GatewayRequest } from '../../../shared/policy';
import { testFromGatewayRequest } from '../../../shared/policy/policy-tests';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { signOnDemoCard, signPublicationOnDemoCard } from '../../../electron/main/demo/demo-policy';
import { GatewayPolicyHolder, loadVerifiedPolicy } from '../../../electron/main/policy/gateway-policy';
import { simulate } from '../../../electron/main/simulator/simulate';
import { authenticateWriters, referencedCertificates } from '../../../electron/main/pki/writer-auth';
import { certificatesBySha } from '../../../electron/main/controlplane/repos/operators';
import { consoleCaller, loginCard, startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';

/**
 * The policy lifecycle end to end over the contract, with SoftHSM2 cards and a real control
 * plane: ADAMS (policy-author) submits, BAKER (approver) approves, publish, a second version,
 * rollback under the two-person rule; every step asserted in the tenant's audit chain. Then the
 * gateway side is attacked directly in the database: text changed after signing, a signature
 * from a card that is not enrolled, a self-approval. Each is refused and the previous good
 * version stays in force.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
const { call: ok, failure: fails } = consoleCaller(() => services);

const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';
const OTHER = 'ARX TEST NO UPN';
const PIN = '123456';
let tenantId: string;

const login = (label: string) => loginCard({ call: ok }, label, PIN);

/** The transaction ids (xmin) that last wrote the version's row and its newest event of `type`. */
async function writtenBy(sha256: string, type: string): Promise<{ event: string; version: string; same: boolean }> {
  const r = await db.admin.query<{ event: string; version: string }>(
    `SELECT (SELECT xmin::text FROM arx.audit_events WHERE tenant_id = $1 AND type = $3 AND doc->'data'->>'versionSha256' = $2 ORDER BY seq DESC LIMIT 1) AS event,
            (SELECT xmin::text FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = decode($2, 'hex')) AS version`,
    [tenantId, sha256, type],
  );
  const { event, version } = r.rows[0]!;
  return { event, version, same: event === version };
}

const request: Omit<GatewayRequest, 'requestId'> = {
  user: 'carol',
  team: 'research',
  provider: 'anthropic',
  model: 'claude-sonnet-4',
  classification: 'internal',
  jurisdiction: 'US',
  purpose: 'analysis',
  promptTokens: 1000,
  estimatedCostCents: 5,
  time: '2026-11-25T12:00:00Z',
  utcOffsetMinutes: 0,
};
function test(name: string, decision: 'permit' | 'deny', over: Partial<typeof request> = {}) {
  const t = testFromGatewayRequest(name, { ...request, ...over }, DEMO_DIRECTORY, { decision });
  if (!t.ok) throw new Error(t.error.message);
  return t.value;
}

async function chain(types: string[]) {
  const r = await db.admin.query<{ type: string; data: Record<string, unknown> }>(
    `SELECT type, doc->'data' AS data FROM arx.audit_events WHERE tenant_id = $1 AND type = ANY($2::text[]) ORDER BY seq`,
    [tenantId, types],
  );
  return r.rows;
}
const operatorId = async (edipi: string) =>
  (await db.admin.query<{ id: string }>('SELECT id FROM arx.operators WHERE edipi = $1', [edipi])).rows[0]!.id;

beforeAll(async () => {
  db = await migratedDatabase('lifecycle');
  tenantId = db.tenants.a;
  cards = await provisionTestCards(mkdtempSync(join(tmpdir(), 'arx-cards-')), {
    specs: TEST_CARDS.filter((c) => [ADAMS, BAKER, OTHER].includes(c.label)),
  });
  await registerTestOperators(db.admin, cards, [tenantId]);
  ({ services } = await startCardConsole(db, cards, 'lifecycle'));
}, 240_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

interface Summary {
  sha256: string;
  state: string;
  active: boolean;
  signaturesVerified: boolean;
  signatures: { role: string; verified: boolean; operator: { edipi: string } }[];
  author: { edipi: string };
  approver: { edipi: string } | null;
}
const v: Record<string, string> = {};

describe('policy lifecycle with two cards', () => {
  it('blocks submission on failing tests and on validation errors; submits with the author card', async () => {
    await login(ADAMS);
    const good = [
      test('carol may send internal data', 'permit'),
      test('carol may not send secret data', 'deny', { classification: 'secret' }),
    ];
    const failing = [...good, test('wrong expectation', 'deny')];
    let d = await ok<{ digest: { sha256: string } }>('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: null,
      text: DEFAULT_POLICY_TEXT,
      schema: null,
      tests: failing,
    });
    let e = await fails('policy.submit', { tenantId, policyName: 'gateway', sha256: d.digest.sha256, pin: PIN });
    expect(e.code).toBe('POLICY_SUBMIT_BLOCKED');
    expect(e.details?.tests).toEqual([expect.objectContaining({ name: 'wrong expectation', status: 'fail' })]);

    d = await ok('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: null,
      text: `${DEFAULT_POLICY_TEXT}\n@id("typo") forbid (principal, action, resource) when { context.nope > 1 };\n`,
      schema: null,
      tests: good,
    });
    e = await fails('policy.submit', { tenantId, policyName: 'gateway', sha256: d.digest.sha256, pin: PIN });
    expect(e.code).toBe('POLICY_SUBMIT_BLOCKED');
    expect((e.details?.validation as unknown[]).length).toBeGreaterThan(0);

    const draft = await ok<{ digest: { sha256: string } }>('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: null,
      text: DEFAULT_POLICY_TEXT,
      schema: null,
      tests: good,
    });
    // The digest the author was shown must be the one signed.
    expect(
      (await fails('policy.submit', { tenantId, policyName: 'gateway', sha256: 'f'.repeat(64), pin: PIN })).code,
    ).toBe('POLICY_DRAFT_CHANGED');
    const s = await ok<Summary>('policy.submit', {
      tenantId,
      policyName: 'gateway',
      sha256: draft.digest.sha256,
      pin: PIN,
    });
    expect(s).toMatchObject({
      sha256: draft.digest.sha256,
      state: 'submitted',
      signaturesVerified: false,
      author: { edipi: '1000000001' },
    });
    expect(s.signatures).toEqual([expect.objectContaining({ role: 'author', verified: true })]);
    v.one = s.sha256;
    expect(await ok('policy.getDraft', { tenantId, policyName: 'gateway' })).toBeNull();
  }, 60_000);

  it('refuses approval by an operator without the approver role, and self-approval even with the role', async () => {
    expect((await fails('policy.approve', { tenantId, sha256: v.one, pin: PIN })).code).toBe('ROLE_REQUIRED');
    const adams = await operatorId('1000000001');
    await db.admin.query(`SELECT set_config('arx.tenant_id', $1, false)`, [tenantId]);
    await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'approver')`, [
      tenantId,
      adams,
    ]);
    try {
      await login(ADAMS); // roles are read at login
      expect((await fails('policy.approve', { tenantId, sha256: v.one, pin: PIN })).code).toBe('POLICY_SELF_APPROVAL');
    } finally {
      await db.admin.query(
        `DELETE FROM arx.role_grants WHERE tenant_id = $1 AND operator_id = $2 AND role = 'approver'`,
        [tenantId, adams],
      );
      await db.admin.query(`SELECT set_config('arx.tenant_id', '', false)`);
    }
    expect((await chain(['com.arx.policy.approved'])).length).toBe(0);
  }, 60_000);

  it('approves with a second card, publishes, and the gateway loads exactly that version', async () => {
    await login(BAKER);
    const a = await ok<Summary>('policy.approve', { tenantId, sha256: v.one, pin: PIN });
    expect(a).toMatchObject({ state: 'approved', signaturesVerified: true, approver: { edipi: '1000000002' } });
    // The state change and the audit event that records it were written by one transaction.
    expect(await writtenBy(v.one!, 'com.arx.policy.approved')).toEqual({
      event: expect.any(String),
      version: expect.any(String),
      same: true,
    });
    const p = await ok<Summary>('policy.publish', { tenantId, sha256: v.one, pin: PIN });
    expect(p).toMatchObject({ state: 'published', active: true });
    expect((await writtenBy(v.one!, 'com.arx.policy.published')).same).toBe(true);
    const events = await chain(['com.arx.policy.submitted', 'com.arx.policy.approved', 'com.arx.policy.published']);
    const [adams, baker] = [await operatorId('1000000001'), await operatorId('1000000002')];
    expect(events.map((x) => x.type)).toEqual([
      'com.arx.policy.submitted',
      'com.arx.policy.approved',
      'com.arx.policy.published',
    ]);
    expect(events[0]!.data).toMatchObject({ versionSha256: v.one, author: adams });
    expect(events[1]!.data).toMatchObject({ versionSha256: v.one, approver: baker });
    expect(events[2]!.data).toMatchObject({ versionSha256: v.one, previousSha256: null, publishedBy: baker });
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.version.sha256).toBe(v.one);
    expect(loaded.engine.version.sha256).toBe(v.one);
  }, 60_000);

  it('publishes a second version (the first is superseded), then rolls back under the two-person rule', async () => {
    await login(ADAMS);
    const tighter = DEFAULT_POLICY_TEXT.replace('context.estimatedCostCents > 200', 'context.estimatedCostCents > 100');
    const d = await ok<{ digest: { sha256: string } }>('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: v.one,
      text: tighter,
      schema: null,
      tests: [],
    });
    v.two = (
      await ok<Summary>('policy.submit', { tenantId, policyName: 'gateway', sha256: d.digest.sha256, pin: PIN })
    ).sha256;
    const diff = await ok<{ changed: string[]; added: string[]; removed: string[] }>('policy.diff', {
      tenantId,
      from: { sha256: v.one },
      to: { sha256: v.two },
    });
    expect(diff).toMatchObject({ changed: ['arx.cost.default-cap'], added: [], removed: [] });
    await login(BAKER);
    await ok('policy.approve', { tenantId, sha256: v.two, pin: PIN });
    await ok('policy.publish', { tenantId, sha256: v.two, pin: PIN });
    expect((await ok<Summary>('policy.get', { tenantId, sha256: v.one })).state).toBe('superseded');
    expect((await loadVerifiedPolicy(db.gatewayPool, tenantId)).version.sha256).toBe(v.two);

    await login(ADAMS);
    const rb = await ok<{ rollbackId: string; state: string }>('policy.rollback', {
      tenantId,
      sha256: v.one,
      pin: PIN,
    });
    expect(rb.state).toBe('requested');
    expect((await fails('policy.approveRollback', { tenantId, rollbackId: rb.rollbackId, pin: PIN })).code).toBe(
      'ROLE_REQUIRED',
    );
    expect((await loadVerifiedPolicy(db.gatewayPool, tenantId)).version.sha256).toBe(v.two);
    await login(BAKER);
    const applied = await ok<{ state: string; approvedBy: { edipi: string } }>('policy.approveRollback', {
      tenantId,
      rollbackId: rb.rollbackId,
      pin: PIN,
    });
    expect(applied).toMatchObject({ state: 'applied', approvedBy: { edipi: '1000000002' } });
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.version.sha256).toBe(v.one);
    expect(loaded.publication.kind).toBe('rollback');
    const events = await chain(['com.arx.policy.rollbackrequested', 'com.arx.policy.rolledback']);
    expect(events.map((x) => x.type)).toEqual(['com.arx.policy.rollbackrequested', 'com.arx.policy.rolledback']);
    expect(events[0]!.data).toMatchObject({ versionSha256: v.one, fromSha256: v.two, rollbackId: rb.rollbackId });
    expect(events[1]!.data).toMatchObject({
      versionSha256: v.one,
      fromSha256: v.two,
      by: await operatorId('1000000002'),
    });
    const h = await ok<{ versions: Summary[]; rollbacks: unknown[]; events: unknown[] }>('policy.history', {
      tenantId,
      policyName: 'gateway',
    });
    expect(h.versions.map((x) => [x.sha256, x.state, x.signaturesVerified])).toEqual(
      expect.arrayContaining([
        [v.one, 'published', true],
        [v.two, 'superseded', true],
      ]),
    );
    expect(h.rollbacks).toHaveLength(1);
    expect(h.events.length).toBe(8);
  }, 90_000);

  it("signs every step's event with its writer's card: each one authenticates (chain-format §8)", async () => {
    const r = await db.admin.query<{ seq: string; bytes: Buffer }>(
      `SELECT seq, bytes FROM arx.audit_events WHERE tenant_id = $1 AND type LIKE 'com.arx.policy.%' AND type <> 'com.arx.policy.decided' ORDER BY seq`,
      [tenantId],
    );
    const rows = r.rows.map((x) => ({ seq: Number(x.seq), bytes: new Uint8Array(x.bytes) }));
    expect(rows.length).toBe(8);
    const named = referencedCertificates(rows);
    expect(named.size).toBe(2); // ADAMS's and BAKER's PIV Authentication certificates
    const enrolled = await certificatesBySha(db.admin, [...named.keys()]);
    const certs = new Map(enrolled.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
    expect(authenticateWriters(rows, certs, 0)).toEqual([]);
  });
});

describe('impact jobs over the contract', () => {
  it('starts a job against a version, reports progress and the result, cancels, and names unknown jobs', async () => {
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    await simulate({
      pool: db.gatewayPool,
      tenantId,
      events: 1500,
      seed: 3,
      start: new Date('2026-11-02T00:00:00Z'),
      engine: loaded.engine,
    });
    await login(ADAMS);
    const progress: unknown[] = [];
    const off = services.hub.subscribe((name, p) => {
      if (name === 'policy.impactProgress') progress.push(p);
    });
    const { jobId } = await ok<{ jobId: string }>('policy.impactStart', {
      tenantId,
      target: { sha256: v.two },
      window: { lastDecisions: 100_000 },
    });
    let job = await ok<{
      state: string;
      processed: number;
      total: number;
      result: { replayed: number; totals: { permitToDeny: number; denyToPermit: number } } | null;
    }>('policy.impactStatus', { jobId });
    for (let i = 0; i < 600 && job.state === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 100));
      job = await ok('policy.impactStatus', { jobId });
    }
    off();
    expect(job.state).toBe('done');
    const decided = await db.admin.query<{ n: string }>(
      `SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided'`,
      [tenantId],
    );
    expect(job.total).toBe(Number(decided.rows[0]!.n));
    expect(job.result!.replayed).toBe(job.total);
    expect(progress.at(-1)).toMatchObject({ jobId, state: 'done' });
    // v.two is v.one with a lower cost cap: replaying v.one's decisions can only deny more.
    expect(job.result!.totals.denyToPermit).toBe(0);
    expect((await fails('policy.impactStatus', { jobId: '99999999-9999-4999-8999-999999999999' })).code).toBe(
      'POLICY_IMPACT_UNKNOWN',
    );
    const second = await ok<{ jobId: string }>('policy.impactStart', {
      tenantId,
      target: { sha256: v.two },
      window: { lastDecisions: 100_000 },
    });
    const cancelled = await ok<{ state: string }>('policy.impactCancel', { jobId: second.jobId });
    expect(['cancelled', 'done']).toContain(cancelled.state);
  }, 120_000);
});

describe('the gateway refuses tampered versions and keeps the previous good one', () => {
  /** Submits a version with ADAMS's card (a real author signature), returning its digest and policy id. */
  async function submitted(text: string) {
    await login(ADAMS);
    const d = await ok<{ digest: { sha256: string; blake3: string } }>('policy.saveDraft', {
      tenantId,
      policyName: 'gateway',
      baseSha256: null,
      text,
      schema: null,
      tests: [],
    });
    const s = await ok<Summary & { policyId: string }>('policy.submit', {
      tenantId,
      policyName: 'gateway',
      sha256: d.digest.sha256,
      pin: PIN,
    });
    return { sha256: s.sha256, blake3: d.digest.blake3, policyId: s.policyId };
  }
  /**
   * Publishes straight in the database, as an attacker with write access would (no lifecycle
   * checks): with BAKER's publication signature (`signed`), or with none.
   */
  async function forcePublish(sha256: string, policyId: string, signed = true) {
    await db.admin.query(`SELECT set_config('arx.tenant_id', $1, false)`, [tenantId]);
    try {
      const last = await db.admin.query<{ n: number; previous: Buffer | null }>(
        `SELECT coalesce(max(seq) + 1, 0)::int AS n,
                (SELECT version_sha256 FROM arx.policy_publications WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1) AS previous
           FROM arx.policy_publications WHERE tenant_id = $1`,
        [tenantId],
      );
      const { n, previous } = last.rows[0]!;
      const version = await db.admin.query<{ blake3: Buffer }>(
        'SELECT blake3 FROM arx.policy_versions WHERE tenant_id = $1 AND sha256 = $2',
        [tenantId, Buffer.from(sha256, 'hex')],
      );
      const envelope = signed
        ? (
            await signPublicationOnDemoCard(cards, BAKER, {
              _type: 'arx.policy-publication/v1',
              kind: 'publish',
              tenantId,
              policyId,
              version: { sha256, blake3: version.rows[0]!.blake3.toString('hex') },
              previousSha256: previous ? previous.toString('hex') : null,
              sequence: n,
              rollbackId: null,
            })
          ).envelope
        : null;
      await db.admin.query(
        `INSERT INTO arx.policy_publications (tenant_id, policy_id, seq, version_sha256, kind, published_by, previous_sha256, envelope)
         VALUES ($1, $2, $3, $4, 'publish', $5, $6, $7::jsonb)`,
        [
          tenantId,
          policyId,
          n,
          Buffer.from(sha256, 'hex'),
          await operatorId('1000000002'),
          previous,
          JSON.stringify(envelope),
        ],
      );
      await db.admin.query(`UPDATE arx.policy_versions SET state = 'published' WHERE tenant_id = $1 AND sha256 = $2`, [
        tenantId,
        Buffer.from(sha256, 'hex'),
      ]);
      await db.admin.query(`UPDATE arx.policies SET active_version_sha256 = $2 WHERE id = $1`, [
        policyId,
        Buffer.from(sha256, 'hex'),
      ]);
    } finally {
      await db.admin.query(`SELECT set_config('arx.tenant_id', '', false)`);
    }
  }
  async function addSignature(
    sha256: string,
    role: 'approver',
    edipi: string,
    signed: { envelope: unknown; certificateSha256: string },
  ) {
    await db.admin.query(
      `INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope) VALUES ($1, $2, $3, $4, $5, $6::jsonb)`,
      [
        Buffer.from(sha256, 'hex'),
        tenantId,
        await operatorId(edipi),
        role,
        Buffer.from(signed.certificateSha256, 'hex'),
        JSON.stringify(signed.envelope),
      ],
    );
  }

  it('text changed after signing: refused (digest mismatch), the previous publication stays', async () => {
    const holder = new GatewayPolicyHolder(db.gatewayPool, tenantId);
    expect((await holder.refresh()).version.sha256).toBe(v.one);
    // Publish v.two again properly, then change its text behind the lifecycle's back.
    await login(BAKER);
    await ok('policy.publish', { tenantId, sha256: v.two, pin: PIN }).catch(() => undefined);
    const current = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    await db.admin.query('ALTER TABLE arx.policy_versions DISABLE TRIGGER policy_versions_content_immutable');
    try {
      await db.admin.query(
        `UPDATE arx.policy_versions SET policy_text = replace(policy_text, '> 100', '> 100000') WHERE tenant_id = $1 AND sha256 = $2`,
        [tenantId, Buffer.from(current.version.sha256, 'hex')],
      );
      const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
      expect(loaded.version.sha256).not.toBe(current.version.sha256);
      expect(loaded.refused[0]).toMatchObject({ sha256: current.version.sha256 });
      expect(loaded.refused[0]!.reasons.join(' ')).toContain('DIGEST_MISMATCH');
      const refused: unknown[] = [];
      const h2 = new GatewayPolicyHolder(db.gatewayPool, tenantId, (r) => refused.push(...r));
      expect((await h2.refresh()).version.sha256).toBe(loaded.version.sha256);
      expect(refused.length).toBeGreaterThan(0);
    } finally {
      await db.admin.query(
        `UPDATE arx.policy_versions SET policy_text = replace(policy_text, '> 100000', '> 100') WHERE tenant_id = $1 AND sha256 = $2`,
        [tenantId, Buffer.from(current.version.sha256, 'hex')],
      );
      await db.admin.query('ALTER TABLE arx.policy_versions ENABLE TRIGGER policy_versions_content_immutable');
    }
    expect((await loadVerifiedPolicy(db.gatewayPool, tenantId)).version.sha256).toBe(current.version.sha256);
  }, 90_000);

  it('an approver signature from a card that is not enrolled: refused, the previous version stays', async () => {
    const before = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    const x = await submitted(
      `${DEFAULT_POLICY_TEXT}\n@id("extra.unenrolled") forbid (principal, action, resource) when { context.tokens > 150000 };\n`,
    );
    // A real card signature of the right statement, by a card whose certificate is not enrolled,
    // recorded as BAKER's approval (BAKER holds the approver role).
    const other = cards.cards.find((c) => c.label === OTHER)!;
    const sign = other.certificates.find((c) => c.usage === 'signature')!;
    await db.admin.query('DELETE FROM arx.operator_certificates WHERE sha256 = $1', [Buffer.from(sign.sha256, 'hex')]);
    const signed = await signOnDemoCard(cards, OTHER, {
      role: 'approver',
      tenantId,
      policyId: x.policyId,
      version: { sha256: x.sha256, blake3: x.blake3 },
    });
    await addSignature(x.sha256, 'approver', '1000000002', signed);
    await forcePublish(x.sha256, x.policyId);
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.version.sha256).toBe(before.version.sha256);
    expect(loaded.refused[0]).toMatchObject({ sha256: x.sha256 });
    expect(loaded.refused[0]!.reasons.join(' ')).toContain('CERTIFICATE_NOT_ENROLLED');
    // The history screen shows the same verdict.
    const s = await ok<Summary>('policy.get', { tenantId, sha256: x.sha256 });
    expect(s.signaturesVerified).toBe(false);
  }, 90_000);

  it('self-approval (the author signs the approval with their own card, holding both roles): refused', async () => {
    const before = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    const x = await submitted(
      `${DEFAULT_POLICY_TEXT}\n@id("extra.self") forbid (principal, action, resource) when { context.tokens > 160000 };\n`,
    );
    const adams = await operatorId('1000000001');
    await db.admin.query(`SELECT set_config('arx.tenant_id', $1, false)`, [tenantId]);
    await db.admin.query(`INSERT INTO arx.role_grants (tenant_id, operator_id, role) VALUES ($1, $2, 'approver')`, [
      tenantId,
      adams,
    ]);
    await db.admin.query(`SELECT set_config('arx.tenant_id', '', false)`);
    const signed = await signOnDemoCard(cards, ADAMS, {
      role: 'approver',
      tenantId,
      policyId: x.policyId,
      version: { sha256: x.sha256, blake3: x.blake3 },
    });
    await addSignature(x.sha256, 'approver', '1000000001', signed);
    await forcePublish(x.sha256, x.policyId);
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.version.sha256).toBe(before.version.sha256);
    expect(loaded.refused[0]).toMatchObject({ sha256: x.sha256 });
    expect(loaded.refused[0]!.reasons.join(' ')).toContain('SELF_APPROVAL');
    // Not even publishable through the lifecycle: it was never approved (and would not verify).
    await login(BAKER);
    expect((await fails('policy.publish', { tenantId, sha256: x.sha256, pin: PIN })).code).toBe('POLICY_STATE_INVALID');
  }, 90_000);

  it('a publication planted by SQL without a signature: not loaded by the gateway, not shown as active', async () => {
    const before = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    // A version the two-person rule fully signed earlier: only the publication is forged.
    const target = before.version.sha256 === v.one ? v.two! : v.one!;
    await forcePublish(target, before.version.policyId, false);
    const stored = await db.admin.query<{ active: Buffer }>(
      'SELECT active_version_sha256 AS active FROM arx.policies WHERE id = $1',
      [before.version.policyId],
    );
    expect(stored.rows[0]!.active.toString('hex')).toBe(target);
    const loaded = await loadVerifiedPolicy(db.gatewayPool, tenantId);
    expect(loaded.version.sha256).toBe(before.version.sha256);
    expect(loaded.refused[0]).toMatchObject({ sha256: target });
    expect(loaded.refused[0]!.reasons.join(' ')).toContain('PUBLICATION_UNSIGNED');
    // The console shows what the gateway loads, not the stored pointer.
    await login(BAKER);
    const list = await ok<{ policies: { name: string; active: Summary | null }[] }>('policy.list', { tenantId });
    expect(list.policies.find((p) => p.name === 'gateway')!.active!.sha256).toBe(before.version.sha256);
    expect((await ok<Summary>('policy.get', { tenantId, sha256: target })).active).toBe(false);
    expect((await ok<Summary>('policy.get', { tenantId, sha256: before.version.sha256 })).active).toBe(true);
  }, 90_000);
});
