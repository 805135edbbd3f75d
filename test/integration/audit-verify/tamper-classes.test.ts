import { randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer, signNote } from '../../../shared/checkpoint';
import type { VerifyResult, VerifyStatus } from '../../../shared/contract/domains/audit-verify';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA } from '../../../shared/policy';
import { policyVersionDigest } from '../../../shared/policy/version';
import { DigestPool } from '../../../electron/main/chain/digest-pool';
import { VerifyJobs } from '../../../electron/main/chain/verify-jobs';
import { loadBlake3 } from '../../../electron/main/crypto/blake3';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { migratedDatabase } from '../../support/pg';
import { insertForgedEvent, simulateCheckpointedChain, swapEvents, tamperAsOwner } from '../../support/tamper';

/**
 * Every tamper class, done the way a database owner could do it behind the console's
 * back (append-only triggers switched off with session_replication_role, as the admin pool), each
 * found through the verification service (VerifyJobs: worker threads, binary COPY) with its code
 * and seq, and a plain meaning.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let digestPool: DigestPool;
let jobs: VerifyJobs;
const OWNER = 'isso-1';
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.tamper.1' };
const tenantRows = new Map<string, { id: string; slug: string; name: string }>();

beforeAll(async () => {
  db = await migratedDatabase('avtamper');
  digestPool = new DigestPool(1);
  const b3 = loadBlake3();
  jobs = new VerifyJobs({
    pool: () => db.consolePool,
    digestPool: () => digestPool,
    blake3: () => b3,
    progressIntervalMs: 0,
  });
});
afterAll(async () => {
  await jobs?.cancelAll();
  await digestPool?.close();
  await db?.drop();
});

/** A tenant with a published policy version and `events` simulated events, checkpointed every 1000. */
async function chainWith(events: number, tail = 0): Promise<string> {
  const tenant = randomUUID();
  const slug = `t-${tenant.slice(0, 8)}`;
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [tenant, slug]);
  tenantRows.set(tenant, { id: tenant, slug, name: 'T' });
  const author = randomUUID();
  await db.admin.query(`INSERT INTO arx.operators (id, edipi, display_name) VALUES ($1, $2, 'AUTHOR')`, [
    author,
    String(1_000_000_000 + Math.floor(Math.random() * 8_999_999_999)).slice(0, 10),
  ]);
  const policyId = randomUUID();
  const v = policyVersionDigest({ policies: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] });
  await db.admin.query(`INSERT INTO arx.policies (id, tenant_id, name) VALUES ($1, $2, 'gateway')`, [policyId, tenant]);
  await db.admin.query(
    `INSERT INTO arx.policy_versions (sha256, blake3, tenant_id, policy_id, policy_text, schema_text, tests, author_id, state)
     VALUES ($1, $2, $3, $4, $5, $6, '[]', $7, 'published')`,
    [
      Buffer.from(v.sha256, 'hex'),
      Buffer.from(v.blake3, 'hex'),
      tenant,
      policyId,
      DEFAULT_POLICY_TEXT,
      GATEWAY_SCHEMA,
      author,
    ],
  );
  await simulateCheckpointedChain(db, tenant, key, events, tail);
  return tenant;
}

/** SQL as the database owner with the append-only triggers switched off. */
const tamper = (sql: string, params: unknown[] = []) => tamperAsOwner(db.admin, sql, params);

async function verify(
  tenant: string,
  range: Parameters<VerifyJobs['start']>[2] = { kind: 'all' },
): Promise<VerifyResult> {
  const started = jobs.start(OWNER, tenantRows.get(tenant)!, range);
  await jobs.settled(started.jobId);
  const status = jobs.status(OWNER, started.jobId);
  expect(status.error).toBeNull();
  expect(status.state).toBe('done');
  return jobs.result(OWNER, started.jobId);
}

const errors = (r: VerifyResult) => r.problems.filter((p) => p.severity === 'error');
const codes = (r: VerifyResult) => errors(r).map((p) => `${p.code}@${p.seq}`);

describe('each tamper class is found through the service with its code, seq and meaning', () => {
  it('an untouched chain is intact, anchored on its newest checkpoint, with a complete result', async () => {
    const t = await chainWith(2300, 300);
    const r = await verify(t);
    expect(errors(r)).toEqual([]);
    expect(r.verdict).toBe('intact');
    expect(r.counts).toMatchObject({
      events: 2300,
      errors: 0,
      checkpointsVerified: r.counts.checkpointsTotal,
      policyVersionsChecked: 1,
    });
    expect(r.checkpoint).toMatchObject({ treeSize: 2000, keyName: key.name });
    expect(r.checkpoint!.rootSha256).toMatch(/^[0-9a-f]{64}$/);
    expect(r.tail).toEqual({ fromSeq: 2000, count: 300, laterCheckpointSize: null });
    const tail = r.problems.find((p) => p.code === 'TAIL_NOT_CHECKPOINTED')!;
    expect(tail.severity).toBe('warning');
    expect(tail.meaning).toBe(
      '300 events from event 2,000 on are not yet covered by a signed checkpoint: they are chained, but not yet provable.',
    );
    expect(r.documents).toBe('checked');
    expect(r.engine.workers).toBe(1);
    expect(r.head.size).toBe(2300);
  });

  it('modified payload bytes: EVENT_DIGEST_MISMATCH at that seq, "modified after it was written"', async () => {
    const t = await chainWith(2000);
    await tamper(
      `UPDATE arx.audit_events SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"promptTokens":', '"promptTokens":9'), 'UTF8') WHERE tenant_id = $1 AND seq = 500`,
      [t],
    );
    const r = await verify(t);
    expect(r.verdict).toBe('broken');
    expect(codes(r)).toEqual(['EVENT_DIGEST_MISMATCH@500']);
    const p = errors(r)[0]!;
    expect(p.meaning).toMatch(/^Event 500 was modified after it was written/);
    expect(p.expected).toMatch(/^[0-9a-f]{64}$/);
    expect(p.found).toMatch(/^[0-9a-f]{64}$/);
    expect(p.expected).not.toBe(p.found);
  });

  it('modified jsonb only: DOC_MISMATCH at that seq (the chain itself holds: the bytes are the evidence)', async () => {
    const t = await chainWith(2000);
    await tamper(
      `UPDATE arx.audit_events SET doc = jsonb_set(doc, '{data,decision}', '"permit"') WHERE tenant_id = $1 AND seq = (SELECT min(seq) FROM arx.audit_events WHERE tenant_id = $1 AND seq > 300 AND type = 'com.arx.policy.decided' AND doc->'data'->>'decision' = 'deny')`,
      [t],
    );
    const changed = await db.admin.query<{ seq: string }>(
      `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND doc IS DISTINCT FROM convert_from(bytes, 'UTF8')::jsonb`,
      [t],
    );
    expect(changed.rows).toHaveLength(1);
    const r = await verify(t);
    expect(codes(r)).toEqual([`DOC_MISMATCH@${changed.rows[0]!.seq}`]);
  });

  it('a deleted event: SEQ_GAP at the missing seq', async () => {
    const t = await chainWith(2000);
    await tamper('DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 700', [t]);
    const r = await verify(t);
    expect(codes(r)).toEqual(['SEQ_GAP@700']);
    expect(errors(r)[0]!.meaning).toBe('Event 700 was deleted: its sequence number is missing from the chain.');
  });

  it('an inserted event (later rows shifted to make room): EVENT_INSERTED at the forged seq, then SEQ_RENUMBERED', async () => {
    const t = await chainWith(2000);
    await insertForgedEvent(db.admin, t, 900);
    const r = await verify(t);
    expect(r.verdict).toBe('broken');
    expect(codes(r)[0]).toBe('EVENT_INSERTED@900');
    expect(codes(r)).toContain('SEQ_RENUMBERED@901');
  });

  it('reordered seqs: SEQ_SWAPPED at the first of the pair', async () => {
    const t = await chainWith(2000);
    await swapEvents(db.admin, t, 1000, 1001);
    const r = await verify(t);
    expect(codes(r)).toEqual(['SEQ_SWAPPED@1000']);
    expect(errors(r)[0]).toMatchObject({
      lastSeq: 1001,
      meaning: 'Events 1,000 and 1,001 exchanged their places in the chain.',
    });
  });

  it('the newest checkpointed events deleted: CHAIN_TRUNCATED at the first missing seq', async () => {
    const t = await chainWith(2000);
    await tamper('DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq >= 1990', [t]);
    const r = await verify(t);
    expect(codes(r)).toContain('CHAIN_TRUNCATED@1990');
    expect(errors(r).find((p) => p.code === 'CHAIN_TRUNCATED')).toMatchObject({ count: 10, lastSeq: 1999 });
  });

  it('a replaced checkpoint signature: CHECKPOINT_SIGNATURE_INVALID at the checkpoint’s last seq', async () => {
    const t = await chainWith(2000);
    const note = (
      await db.admin.query<{ note: string }>(
        'SELECT note FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size = 1000',
        [t],
      )
    ).rows[0]!.note;
    const forged = note.replace(/(— \S+ )(\S+)\n$/, (_m, a: string, sig: string) => {
      const raw = Buffer.from(sig, 'base64');
      raw[20] = raw[20]! ^ 0x01;
      return `${a}${raw.toString('base64')}\n`;
    });
    expect(forged).not.toBe(note);
    await tamper('UPDATE arx.checkpoints SET note = $2 WHERE tenant_id = $1 AND tree_size = 1000', [t, forged]);
    const r = await verify(t);
    expect(codes(r)).toEqual(['CHECKPOINT_SIGNATURE_INVALID@999']);
  });

  it('a checkpoint signed by a registered key outside its validity window: CHECKPOINT_KEY_OUTSIDE_WINDOW', async () => {
    const t = await chainWith(2000);
    // A retired key of the same gateway, valid ten to five days ago, signs today's checkpoint body.
    const old = { name: 'arx-gateway.tamper.0', secret: ed25519.utils.randomSecretKey() };
    const oldSigner = ed25519Signer(old.name, old.secret);
    await registerGatewayKey(
      db.admin,
      t,
      {
        name: old.name,
        secretKey: old.secret,
        publicKey: oldSigner.publicKey,
        validFrom: new Date(Date.now() - 10 * 86_400_000),
      },
      new Date(Date.now() - 5 * 86_400_000),
    );
    const note = (
      await db.admin.query<{ note: string }>(
        'SELECT note FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size = 2000',
        [t],
      )
    ).rows[0]!.note;
    const resigned = signNote(note.slice(0, note.indexOf('\n\n') + 1), [oldSigner]);
    await tamper('UPDATE arx.checkpoints SET note = $2, key_name = $3 WHERE tenant_id = $1 AND tree_size = 2000', [
      t,
      resigned,
      old.name,
    ]);
    const r = await verify(t);
    expect(codes(r)).toEqual(['CHECKPOINT_KEY_OUTSIDE_WINDOW@1999']);
    expect(errors(r)[0]!.details).toMatchObject({ key: old.name, treeSize: 2000 });
  });

  it('an event copied from another tenant: EVENT_FOREIGN_TENANT (and the link break) at that seq', async () => {
    const a = await chainWith(1500);
    const b = await chainWith(1500);
    await tamper(
      `UPDATE arx.audit_events AS dst SET bytes = src.bytes, doc = src.doc, event_digest = src.event_digest, chain_hash = src.chain_hash
       FROM arx.audit_events AS src WHERE dst.tenant_id = $1 AND dst.seq = 1200 AND src.tenant_id = $2 AND src.seq = 1200`,
      [a, b],
    );
    const r = await verify(a);
    expect(codes(r)).toContain('EVENT_FOREIGN_TENANT@1200');
    const p = errors(r).find((x) => x.code === 'EVENT_FOREIGN_TENANT')!;
    expect(p).toMatchObject({ expected: a, found: b });
    expect(errors(r).every((x) => x.seq === 1200 || x.seq === 1201)).toBe(true);
  });

  it('modified policy version text: the trigger refuses the owner; with triggers off, POLICY_VERSION_MODIFIED at the first event using it', async () => {
    const t = await chainWith(1000);
    const v = policyVersionDigest({ policies: DEFAULT_POLICY_TEXT, schema: GATEWAY_SCHEMA, tests: [] });
    // 0003's content trigger refuses even the table owner; only switching triggers off gets past it.
    await expect(
      db.admin.query(`UPDATE arx.policy_versions SET policy_text = policy_text || ' ' WHERE tenant_id = $1`, [t]),
    ).rejects.toThrow(/immutable/);
    await tamper(
      `UPDATE arx.policy_versions SET policy_text = replace(policy_text, 'permit', 'permit ') WHERE tenant_id = $1`,
      [t],
    );
    const first = await db.admin.query<{ seq: string }>(
      `SELECT min(seq) AS seq FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.policy.decided'`,
      [t],
    );
    const r = await verify(t);
    expect(codes(r)).toEqual([`POLICY_VERSION_MODIFIED@${first.rows[0]!.seq}`]);
    expect(errors(r)[0]).toMatchObject({ expected: v.sha256 });
    expect(errors(r)[0]!.found).not.toBe(v.sha256);
  });

  it('several tampers at once are all listed, in seq order (verification continues past the first break)', async () => {
    const t = await chainWith(2000);
    await tamper('DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 300', [t]);
    await tamper(
      `UPDATE arx.audit_events SET bytes = bytes || '\\x20'::bytea WHERE tenant_id = $1 AND seq IN (1200, 1500)`,
      [t],
    );
    const r = await verify(t);
    expect(codes(r)).toEqual(['SEQ_GAP@300', 'EVENT_DIGEST_MISMATCH@1200', 'EVENT_DIGEST_MISMATCH@1500']);
  });
});

describe('ranges', () => {
  it('a seq range reads only its events, still checks the checkpoint roots inside it, and finds a break inside it', async () => {
    const t = await chainWith(3000);
    await tamper(`UPDATE arx.audit_events SET bytes = bytes || '\\x20'::bytea WHERE tenant_id = $1 AND seq = 2500`, [
      t,
    ]);
    const inside = await verify(t, { kind: 'seq', from: 1500, to: 2999 });
    expect(inside.counts.events).toBe(1500);
    expect(inside).toMatchObject({ firstSeq: 1500, lastSeq: 2999, range: { kind: 'seq', fromSeq: 1500, toSeq: 2999 } });
    expect(codes(inside)).toEqual(['EVENT_DIGEST_MISMATCH@2500']);
    expect(inside.checkpoint).toMatchObject({ treeSize: 3000 });
    expect(inside.problems.map((p) => p.code)).not.toContain('CHECKPOINT_ROOT_UNCHECKED');
    const before = await verify(t, { kind: 'seq', from: 0, to: 1999 });
    expect(before.verdict).toBe('intact');
    expect(before.counts.events).toBe(2000);
  });

  it('a time range is resolved to the seqs of the events inside it', async () => {
    const t = await chainWith(1000);
    // Event times carry microseconds: take them as the events wrote them.
    const times = await db.admin.query<{ seq: string; time: string }>(
      `SELECT seq, doc->>'time' AS time FROM arx.audit_events WHERE tenant_id = $1 AND seq IN (200, 700) ORDER BY seq`,
      [t],
    );
    const [a, b] = times.rows as [{ seq: string; time: string }, { seq: string; time: string }];
    const r = await verify(t, { kind: 'time', from: a.time, to: b.time });
    const inside = await db.admin.query<{ lo: string; hi: string }>(
      'SELECT min(seq) AS lo, max(seq) AS hi FROM arx.audit_events WHERE tenant_id = $1 AND time BETWEEN $2::timestamptz AND $3::timestamptz',
      [t, a.time, b.time],
    );
    expect(r.range.fromSeq).toBe(Number(inside.rows[0]!.lo));
    expect(r.range.toSeq).toBe(Number(inside.rows[0]!.hi));
    expect(r.range.fromSeq).toBeLessThanOrEqual(200);
    expect(r.range.toSeq).toBeGreaterThanOrEqual(700);
    expect(r.counts.events).toBe(r.range.toSeq! - r.range.fromSeq + 1);
    expect(r.verdict).toBe('intact');
    const empty = jobs.start(OWNER, tenantRows.get(t)!, {
      kind: 'time',
      from: '2001-01-01T00:00:00Z',
      to: '2001-01-02T00:00:00Z',
    });
    await jobs.settled(empty.jobId);
    expect(jobs.status(OWNER, empty.jobId)).toMatchObject({
      state: 'failed',
      error: { code: 'AUDIT_VERIFY_RANGE_EMPTY' },
    });
  });
});

describe('progress and cancel', () => {
  it('reports progress with a rate and time left; a cancelled verification stops, holds no connection and wrote nothing', async () => {
    const t = await chainWith(6000);
    const counts = async () =>
      (
        await db.admin.query<{ n: string }>(
          `SELECT (SELECT count(*) FROM arx.audit_events) + (SELECT count(*) FROM arx.checkpoints) + (SELECT count(*) FROM arx.policy_versions) AS n`,
        )
      ).rows[0]!.n;
    const before = await counts();
    const seen: VerifyStatus[] = [];
    let cancelAt: ((s: VerifyStatus) => void) | null = null;
    const mid = new Promise<VerifyStatus>((resolve) => (cancelAt = resolve));
    // The cancel is asked for inside the progress callback, before the engine reads on: awaiting
    // first would let a fast machine (or a slow test runner) finish all 6000 rows in between.
    let jobId: string | null = null;
    let cancelling: Promise<VerifyStatus> | null = null;
    const local = new VerifyJobs({
      pool: () => db.consolePool,
      digestPool: () => digestPool,
      blake3: () => loadBlake3(),
      progressIntervalMs: 0,
      // 6000 rows would be one batch at the default size: nothing to cancel between batches.
      batchRows: 500,
      publish: (s) => {
        seen.push(s);
        if (s.progress.phase === 'events' && s.progress.rows > 0 && s.progress.rows < 6000 && jobId && !cancelling) {
          cancelling = local.cancel(OWNER, jobId);
          cancelAt?.(s);
        }
      },
    });
    const job = local.start(OWNER, tenantRows.get(t)!, { kind: 'all' });
    jobId = job.jobId;
    const at = await mid;
    expect(at.progress.total).toBe(6000);
    expect(at.progress.eventsPerSecond).toBeGreaterThan(0);
    expect(at.progress.secondsLeft).not.toBeNull();
    const cancelled = await cancelling!;
    expect(cancelled).toMatchObject({ state: 'cancelled', error: { code: 'CANCELLED' }, verdict: null });
    expect(cancelled.progress.rows).toBeLessThan(6000);
    expect(() => local.result(OWNER, job.jobId)).toThrow(/cancelled/);
    expect(seen.at(-1)!.state).toBe('cancelled');
    // Nothing half-written, and no session of the console role left in a transaction.
    expect(await counts()).toBe(before);
    const sessions = await db.admin.query(
      `SELECT state FROM pg_stat_activity WHERE datname = current_database() AND usename LIKE 'console_%' AND state <> 'idle'`,
    );
    expect(sessions.rows).toEqual([]);
    // The pool and the workers are still good for the next verification.
    const again = await verify(t);
    expect(again.verdict).toBe('intact');
  });

  it('jobs belong to the operator who started them', async () => {
    const t = await chainWith(500);
    const job = jobs.start(OWNER, tenantRows.get(t)!, { kind: 'all' });
    expect(() => jobs.status('someone-else', job.jobId)).toThrow(
      expect.objectContaining({ code: 'AUDIT_VERIFY_JOB_UNKNOWN' }),
    );
    expect(() => jobs.result(OWNER, job.jobId)).toThrow(expect.objectContaining({ code: 'AUDIT_VERIFY_NOT_FINISHED' }));
    await jobs.settled(job.jobId);
    expect(jobs.result(OWNER, job.jobId).verdict).toBe('intact');
  });
});
