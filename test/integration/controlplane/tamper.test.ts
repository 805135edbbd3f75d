import { randomBytes, randomUUID } from 'node:crypto';
import { ed25519 } from '@noble/curves/ed25519.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer, signNote } from '../../../shared/checkpoint';
import { verifyTenantChain, type ChainVerification } from '../../../electron/main/chain/tenant-chain-verifier';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { simulate } from '../../../electron/main/simulator/simulate';
import { migratedDatabase } from '../../support/pg';
import { insertForgedEvent, simulateCheckpointedChain, swapEvents, tamperAsOwner } from '../../support/tamper';

/**
 * Each tamper is what a DBA with superuser rights could do behind the console's back (triggers
 * off via session_replication_role). Each must be found by the verifier with its code and seq.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
const key = { secret: ed25519.utils.randomSecretKey(), name: 'arx-gateway.test.1' };

beforeAll(async () => {
  db = await migratedDatabase('tamper');
});
afterAll(async () => {
  await db?.drop();
});

/** A tenant with `events` simulated events, a checkpoint every 1000 events, the last at `events - tail`. */
async function chainWith(events: number, tail = 0): Promise<string> {
  const tenant = randomUUID();
  await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
    tenant,
    `t-${tenant.slice(0, 8)}`,
  ]);
  await simulateCheckpointedChain(db, tenant, key, events, tail);
  return tenant;
}

/** Runs SQL as a superuser with the append-only triggers switched off. */
const tamper = (sql: string, params: unknown[] = []) => tamperAsOwner(db.admin, sql, params);

const verify = (tenant: string) => verifyTenantChain(db.consolePool, tenant);
const codes = (r: ChainVerification) => r.errors.map((e) => `${e.code}@${e.details.seq}`);

describe('tampering with the stored chain is detected with the right code and seq', () => {
  it('an untouched chain is intact', async () => {
    const t = await chainWith(2000);
    const r = await verify(t);
    expect(r.errors).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.rows).toBe(2000);
    // The first append finds no checkpoint at all and issues one (size 250); then one per 1000 events.
    expect(r.checkpoints).toMatchObject({ total: 3, verified: 3, newestSize: 2000 });
  });

  it('changed payload bytes: EVENT_DIGEST_MISMATCH at that seq', async () => {
    const t = await chainWith(2000);
    await tamper(
      `UPDATE arx.audit_events SET bytes = convert_to(replace(convert_from(bytes, 'UTF8'), '"promptTokens":', '"promptTokens":9'), 'UTF8') WHERE tenant_id = $1 AND seq = 500`,
      [t],
    );
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(['EVENT_DIGEST_MISMATCH@500']);
  });

  it('changed payload with recomputed digest and link: the link breaks at the next row, and the checkpoint root no longer matches', async () => {
    const t = await chainWith(2000);
    await tamper(`UPDATE arx.audit_events SET event_digest = $2, chain_hash = $2 WHERE tenant_id = $1 AND seq = 600`, [
      t,
      randomBytes(32),
    ]);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain('CHECKPOINT_ROOT_MISMATCH');
    expect(r.errors.some((e) => e.details.seq === 600 || e.details.seq === 601)).toBe(true);
  });

  it('a deleted event: SEQ_GAP at the missing seq', async () => {
    const t = await chainWith(2000);
    await tamper('DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 700', [t]);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ code: 'SEQ_GAP', details: { seq: 700 } });
  });

  it('an inserted event (later rows renumbered to make room): found at the inserted seq', async () => {
    const t = await chainWith(2000);
    await insertForgedEvent(db.admin, t, 900);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.details.seq).toBe(900);
    expect(['EVENT_INSERTED', 'CHAIN_LINK_MISMATCH', 'SEQ_RENUMBERED']).toContain(r.errors[0]!.code);
  });

  it('swapped seqs: SEQ_SWAPPED at the first of the pair', async () => {
    const t = await chainWith(2000);
    await swapEvents(db.admin, t, 1000, 1001);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ code: 'SEQ_SWAPPED', details: { seq: 1000 } });
  });

  it('the newest events deleted although a signed checkpoint covers them: CHAIN_TRUNCATED', async () => {
    const t = await chainWith(2000);
    await tamper('DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq >= 1990', [t]);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(r.errors.map((e) => e.code)).toContain('CHAIN_TRUNCATED');
    expect(r.errors.find((e) => e.code === 'CHAIN_TRUNCATED')!.details.seq).toBe(1990);
  });

  it('a replaced checkpoint signature: CHECKPOINT_SIGNATURE_INVALID; a note signed by another key: CHECKPOINT_KEY_UNKNOWN', async () => {
    const t = await chainWith(2000);
    const notes = await db.admin.query<{ note: string; tree_size: string }>(
      'SELECT note, tree_size FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size IN (1000, 2000) ORDER BY tree_size',
      [t],
    );
    const [first, second] = notes.rows as [{ note: string; tree_size: string }, { note: string; tree_size: string }];
    // Same key name and id, other signature bytes.
    const forged = first.note.replace(/(— \S+ )(\S+)\n$/, (_m, a: string, sig: string) => {
      const raw = Buffer.from(sig, 'base64');
      raw[10] = raw[10]! ^ 0xff;
      return `${a}${raw.toString('base64')}\n`;
    });
    expect(forged).not.toBe(first.note);
    await tamper('UPDATE arx.checkpoints SET note = $2 WHERE tenant_id = $1 AND tree_size = $3', [
      t,
      forged,
      first.tree_size,
    ]);
    // Re-signed by someone else's key under the same name.
    const body = second.note.slice(0, second.note.indexOf('\n\n') + 1);
    const other = signNote(body, [ed25519Signer(key.name, ed25519.utils.randomSecretKey())]);
    await tamper('UPDATE arx.checkpoints SET note = $2 WHERE tenant_id = $1 AND tree_size = $3', [
      t,
      other,
      second.tree_size,
    ]);
    const r = await verify(t);
    expect(r.ok).toBe(false);
    expect(codes(r)).toEqual(
      expect.arrayContaining([`CHECKPOINT_SIGNATURE_INVALID@999`, `CHECKPOINT_KEY_UNKNOWN@1999`]),
    );
  });

  it('an event copied from another tenant: found at that seq', async () => {
    const a = await chainWith(1500);
    const b = await chainWith(1500);
    await tamper(
      `UPDATE arx.audit_events AS dst SET bytes = src.bytes, doc = src.doc, event_digest = src.event_digest, chain_hash = src.chain_hash
       FROM arx.audit_events AS src WHERE dst.tenant_id = $1 AND dst.seq = 1200 AND src.tenant_id = $2 AND src.seq = 1200`,
      [a, b],
    );
    const r = await verify(a);
    expect(r.ok).toBe(false);
    expect(r.errors[0]!.details.seq).toBe(1200);
  });

  it('events after the last checkpoint: TAIL_NOT_CHECKPOINTED, a warning that alone does not fail', async () => {
    const t = await chainWith(1300, 300);
    const r = await verify(t);
    expect(r.ok).toBe(true);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([
      expect.objectContaining({
        code: 'TAIL_NOT_CHECKPOINTED',
        details: expect.objectContaining({ seq: 1000, count: 300 }),
      }),
    ]);
  });
});

describe('checkpoints on a timer', () => {
  it('are issued when T has passed even if nothing happened (silence is provable), and not before', async () => {
    const tenant = randomUUID();
    await db.admin.query(`INSERT INTO arx.tenants (id, slug, name) VALUES ($1, $2, 'T')`, [
      tenant,
      `q-${tenant.slice(0, 8)}`,
    ]);
    const signer = ed25519Signer(key.name, key.secret);
    await registerGatewayKey(db.admin, tenant, {
      name: key.name,
      secretKey: key.secret,
      publicKey: signer.publicKey,
      validFrom: new Date(Date.now() - 86_400_000),
    });
    let now = new Date();
    const cp = new Checkpointer(tenant, signer, { everyEvents: 1000, everyMs: 60_000 }, () => now);
    const writer = new ChainWriter(db.gatewayPool, tenant, {
      source: '/arx/simulator/test',
      afterAppend: cp.afterAppend,
    });
    await simulate({
      pool: db.gatewayPool,
      tenantId: tenant,
      events: 120,
      seed: 5,
      start: new Date('2026-11-02T00:00:00Z'),
      writer,
    });
    const first = await db.admin.query('SELECT tree_size FROM arx.checkpoints WHERE tenant_id = $1', [tenant]);
    expect(first.rows).toEqual([{ tree_size: '120' }]);
    now = new Date(now.getTime() + 30_000);
    expect(await cp.tick(db.gatewayPool)).toBeNull();
    now = new Date(now.getTime() + 31_000);
    const quiet = await cp.tick(db.gatewayPool);
    expect(quiet).toMatchObject({ size: 120 });
    const all = await db.admin.query(
      'SELECT tree_size, issued_at FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY issued_at',
      [tenant],
    );
    expect(all.rows.map((r) => r.tree_size)).toEqual(['120', '120']);
    const r = await verify(tenant);
    expect(r.ok).toBe(true);
    expect(r.checkpoints).toMatchObject({ total: 2, verified: 2 });
  });
});
