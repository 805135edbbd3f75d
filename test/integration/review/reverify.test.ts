import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyTenantChain } from '../../../electron/main/chain/tenant-chain-verifier';
import { reverifyDecisions } from '../../../electron/main/review/reverify';
import { migratedDatabase } from '../../support/pg';
import { reforgeEvent, seedTenant } from './support';

/** Decision re-verification against a real control plane and simulated gateway traffic. */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const EVENTS = 3000;

beforeAll(async () => {
  db = await migratedDatabase('reverify');
  await seedTenant(db.admin, db.gatewayPool, db.tenants.a, EVENTS);
}, 120_000);

afterAll(async () => {
  await db?.drop();
});

async function decidedSeqs(decision: 'permit' | 'deny'): Promise<number[]> {
  const r = await db.admin.query<{ seq: string }>(
    `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided' AND doc->'data'->>'decision' = $2 ORDER BY seq`,
    [db.tenants.a, decision],
  );
  return r.rows.map((x) => Number(x.seq));
}

describe('decision re-verification', () => {
  it('an unchanged chain: every decision matches, in worker threads and inline alike', async () => {
    const progress: number[] = [];
    const r = await reverifyDecisions(db.consolePool, db.tenants.a, {
      workers: 2,
      pageSize: 100,
      onProgress: (p) => progress.push(p.processed),
    });
    const decided = (await decidedSeqs('permit')).length + (await decidedSeqs('deny')).length;
    expect(r.total).toBe(decided);
    expect(r.total).toBeGreaterThan(200);
    expect(r).toMatchObject({ matched: decided, mismatched: 0, unverifiable: 0, mismatches: [], workers: 2 });
    expect(r.policyVersions).toHaveLength(1);
    expect(r.policyVersions[0]).toMatchObject({
      decisions: decided,
      signatures: 'unsigned',
      detail: expect.stringContaining('no author or approver signature'),
    });
    expect(progress.length).toBeGreaterThan(2);
    expect(progress[progress.length - 1]).toBe(decided);
    const inline = await reverifyDecisions(db.consolePool, db.tenants.a, { workers: 0 });
    expect(inline).toMatchObject({ total: decided, matched: decided, mismatched: 0 });
  });

  it("checks the version's approval signatures with the policy service's verifier: a forged signature row is reported invalid", async () => {
    const c = await db.admin.connect();
    try {
      await c.query('BEGIN');
      await c.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      await c.query(
        `INSERT INTO arx.policy_signatures (version_sha256, tenant_id, operator_id, role, certificate_sha256, envelope)
         SELECT sha256, tenant_id, author_id, 'author', sha256, '{"payloadType":"x","payload":"","signatures":[]}' FROM arx.policy_versions WHERE tenant_id = $1`,
        [db.tenants.a],
      );
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const seqs = await decidedSeqs('deny');
    const r = await reverifyDecisions(db.consolePool, db.tenants.a, { from: seqs[0]!, to: seqs[0]!, workers: 0 });
    expect(r.policyVersions[0]).toMatchObject({
      signatures: 'invalid',
      detail: expect.stringContaining('ENVELOPE_INVALID'),
    });
  });

  it('a range counts only the decisions inside it', async () => {
    const seqs = [...(await decidedSeqs('permit')), ...(await decidedSeqs('deny'))].sort((a, b) => a - b);
    const from = seqs[10]!;
    const to = seqs[40]!;
    const r = await reverifyDecisions(db.consolePool, db.tenants.a, { from, to, workers: 1 });
    expect(r).toMatchObject({ fromSeq: from, toSeq: to, total: 31, matched: 31 });
  });

  it('a decision altered with the chain re-forged: the chain verifies, re-verification reports that one event as a mismatch', async () => {
    const seq = (await decidedSeqs('permit'))[3]!;
    await reforgeEvent(db.admin, db.tenants.a, seq, (doc) => {
      const data = doc['data'] as { decision: string };
      data.decision = 'deny';
      return JSON.stringify(doc);
    });
    const chain = await verifyTenantChain(db.consolePool, db.tenants.a);
    expect(chain.errors).toEqual([]);
    const r = await reverifyDecisions(db.consolePool, db.tenants.a, { workers: 2, pageSize: 250 });
    expect(r.mismatched).toBe(1);
    expect(r.mismatches).toHaveLength(1);
    expect(r.mismatches[0]).toMatchObject({
      seq,
      recorded: { decision: 'deny' },
      recomputed: { decision: 'permit' },
      differences: expect.arrayContaining(['decision']),
      problem: null,
    });
    expect(r.matched).toBe(r.total - 1);
  });

  it('a policy version whose stored text was changed makes its decisions unverifiable, never matched', async () => {
    const c = await db.admin.connect();
    try {
      await c.query('BEGIN');
      await c.query("SET LOCAL session_replication_role = 'replica'");
      await c.query("SELECT set_config('arx.tenant_id', $1, true)", [db.tenants.a]);
      await c.query(`UPDATE arx.policy_versions SET policy_text = policy_text || ' ' WHERE tenant_id = $1`, [
        db.tenants.a,
      ]);
      await c.query('COMMIT');
    } finally {
      c.release();
    }
    const r = await reverifyDecisions(db.consolePool, db.tenants.a, { workers: 1, cap: 5 });
    expect(r.matched).toBe(0);
    expect(r.unverifiable).toBe(r.total);
    expect(r.mismatches).toHaveLength(5);
    expect(r.mismatches[0]!.problem!.code).toBe('POLICY_VERSION_ALTERED');
    expect(r.policyVersions[0]).toMatchObject({ signatures: 'missing-version' });
    expect(r.omitted).toBeGreaterThan(0);
  });

  it('cancelled mid-stream (during the COPY): CANCELLED, the connection is dropped, and the next run is whole', async () => {
    const ac = new AbortController();
    let seen = 0;
    const run = reverifyDecisions(db.consolePool, db.tenants.a, {
      workers: 1,
      pageSize: 20,
      signal: ac.signal,
      onProgress: (p) => {
        seen = p.processed;
        ac.abort();
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'CANCELLED' });
    expect(seen).toBeGreaterThan(0);
    const again = await reverifyDecisions(db.consolePool, db.tenants.a, { workers: 2 });
    expect(again.total).toBeGreaterThan(seen);
    expect(again.matched + again.mismatched + again.unverifiable).toBe(again.total);
  });

  it('can be cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(
      reverifyDecisions(db.consolePool, db.tenants.a, { workers: 1, signal: ac.signal }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
  });
});
