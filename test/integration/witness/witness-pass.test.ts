import { randomBytes } from 'node:crypto';
import type pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { ed25519Signer, formatArxCheckpoint, signNote } from '../../../shared/checkpoint';
import { eventTime } from '../../../shared/events';
import {
  checkCosignatures,
  cosignatureVerifier,
  ed25519Cosigner,
  requireWitnesses,
  type Cosigner,
  type CosignedHead,
} from '../../../shared/witness';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { cosignedCheckpointsAt, registerWitnessKey } from '../../../electron/main/controlplane/repos/witnesses';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { simulate } from '../../../electron/main/simulator/simulate';
import { witnessPass, type WitnessHeadStore } from '../../../electron/main/witness/witness-pass';
import { operatorWithLogin } from '../../support/operator-pools';
import { tamperAsOwner } from '../../support/tamper';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * One witnessing pass (electron/main/witness/witness-pass.ts) against a real control plane, with
 * ISSOs' own database logins: catch-up cosigning in order, then every way a log can show a second
 * history — a fork at the cosigned size, a smaller checkpoint signed later, a restore of the
 * control plane to an earlier state followed by new traffic — refused with its code and nothing
 * cosigned. The gateway's key signs every forgery: these are the attacks witnesses exist for.
 */
const dbs: MigratedDatabase[] = [];
afterAll(async () => {
  for (const db of dbs) await db.drop().catch(() => {});
});

interface Setup {
  db: MigratedDatabase;
  tenant: string;
  gateway: ReturnType<typeof ed25519Signer>;
  isso: pg.Pool;
  append: (events: number, seed: number) => Promise<void>;
}

async function setup(events: number): Promise<Setup> {
  const db = await migratedDatabase('witp');
  dbs.push(db);
  const tenant = db.tenants.a;
  const gateway = ed25519Signer('arx-gateway.witness-test.1', randomBytes(32));
  await registerGatewayKey(db.admin, tenant, {
    name: gateway.name,
    secretKey: new Uint8Array(32),
    publicKey: gateway.publicKey,
    validFrom: new Date(Date.now() - 86_400_000),
  });
  let day = 0;
  const append = async (n: number, seed: number) => {
    // A new checkpointer each time: it catches up from the database as a restarted gateway does.
    const cp = new Checkpointer(tenant, gateway, { everyEvents: 100, everyMs: 3_600_000 });
    const writer = new ChainWriter(db.gatewayPool, tenant, {
      source: '/arx/simulator/test',
      afterAppend: cp.afterAppend,
    });
    const start = new Date(Date.UTC(2026, 10, 2 + day++));
    await simulate({ pool: db.gatewayPool, tenantId: tenant, events: n, seed, start, writer, batchSize: 50 });
  };
  await append(events, 1);
  const { pool: isso } = await operatorWithLogin(db, [tenant], 'isso');
  return { db, tenant, gateway, isso, append };
}

function memoryHeads(): WitnessHeadStore & { map: Map<string, CosignedHead> } {
  const map = new Map<string, CosignedHead>();
  return { map, get: (t, w) => map.get(`${t}/${w}`), put: (t, w, h) => void map.set(`${t}/${w}`, h) };
}

async function witness(s: Setup, name: string): Promise<{ cosigner: Cosigner; heads: ReturnType<typeof memoryHeads> }> {
  const cosigner = ed25519Cosigner(name, randomBytes(32));
  await withTenant(s.isso, s.tenant, (c) => registerWitnessKey(c, s.tenant, cosigner.name, cosigner.publicKey));
  return { cosigner, heads: memoryHeads() };
}

const pass = (s: Setup, w: { cosigner: Cosigner; heads: WitnessHeadStore }, now = 1_800_000_000) =>
  witnessPass({ pool: s.isso, tenantId: s.tenant, cosigner: w.cosigner, heads: w.heads, now: () => now });

/** A checkpoint the gateway's key signs over another history of `size` events. */
async function forge(s: Setup, size: number, at: Date) {
  const root = randomBytes(32);
  const note = signNote(
    formatArxCheckpoint({ tenantId: s.tenant, size, root, time: eventTime(at, 0), head: randomBytes(32) }),
    [s.gateway],
  );
  await s.db.admin.query(
    'INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at) VALUES ($1, $2, $3, $4, $5, $6)',
    [s.tenant, size, root, note, s.gateway.name, at],
  );
}

const storedSizes = async (s: Setup, name: string) =>
  (
    await s.db.admin.query<{ tree_size: string }>(
      'SELECT tree_size FROM arx.checkpoint_cosignatures WHERE tenant_id = $1 AND witness_name = $2 ORDER BY tree_size',
      [s.tenant, name],
    )
  ).rows.map((r) => Number(r.tree_size));

describe('a witnessing pass over a tenant', () => {
  it('catches up on every checkpoint in order, then only on new ones; two witnesses meet a quorum of 2', async () => {
    const s = await setup(300);
    const w1 = await witness(s, 'isso-1.arx.test/witness');
    const w2 = await witness(s, 'isso-2.arx.test/witness');
    const first = await pass(s, w1);
    expect(first).toMatchObject({ cosigned: 4, refusal: null, latestSize: 300, head: { size: 300 } });
    expect(await storedSizes(s, w1.cosigner.name)).toEqual([50, 100, 200, 300]);
    expect((await pass(s, w1)).cosigned).toBe(0);
    await s.append(150, 2);
    const next = await pass(s, w1);
    expect(next).toMatchObject({ cosigned: 1, head: { size: 400 } });
    expect((await pass(s, w2)).head?.size).toBe(400);
    const [row] = await withTenant(s.isso, s.tenant, (c) => cosignedCheckpointsAt(c, s.tenant, 400));
    const trusted = [w1, w2].map((w) => cosignatureVerifier(w.cosigner.name, w.cosigner.publicKey));
    const report = checkCosignatures(row!.note + row!.lines.join(''), trusted);
    expect(report.ok && requireWitnesses(report.value, 2).ok).toBe(true);
    // A witness key outside the trust set is not counted: the quorum of 2 then fails.
    const stranger = ed25519Cosigner('stranger.arx.test/witness', randomBytes(32));
    const one = checkCosignatures(row!.note + row!.lines.join(''), [
      trusted[0]!,
      cosignatureVerifier(stranger.name, stranger.publicKey),
    ]);
    expect(one.ok && requireWitnesses(one.value, 2)).toMatchObject({
      ok: false,
      error: { code: 'WITNESS_QUORUM_NOT_MET' },
    });
  });

  it('refuses a replayed older cosignature and one over another size or origin', async () => {
    const s = await setup(200);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    const at = async (size: number) =>
      (await withTenant(s.isso, s.tenant, (c) => cosignedCheckpointsAt(c, s.tenant, size)))[0]!;
    const [c100, c200] = [await at(100), await at(200)];
    const trusted = [cosignatureVerifier(w.cosigner.name, w.cosigner.publicKey)];
    const quorum = (note: string) => {
      const r = checkCosignatures(note, trusted);
      return r.ok ? requireWitnesses(r.value, 1) : r;
    };
    expect(quorum(c200.note + c200.lines[0]!).ok).toBe(true);
    expect(quorum(c200.note + c100.lines[0]!)).toMatchObject({ ok: false, error: { code: 'COSIGNATURE_INVALID' } });
    const body = c200.note.slice(0, c200.note.indexOf('\n\n') + 1);
    const otherOrigin = w.cosigner.cosign(body.replace(s.tenant, s.db.tenants.b), 1_800_000_000);
    expect(quorum(c200.note + otherOrigin)).toMatchObject({
      ok: false,
      error: { code: 'COSIGNATURE_INVALID' },
    });
  });

  it('refuses a fork at the cosigned size and cosigns nothing past it', async () => {
    const s = await setup(200);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    await forge(s, 200, new Date());
    const r = await pass(s, w);
    expect(r.refusal).toMatchObject({ code: 'WITNESS_FORK_DETECTED', offered: { size: 200 }, cosigned: { size: 200 } });
    expect(r.refusal!.cosigned.note).toContain(`arx.gateway/${s.tenant}\n200\n`);
    expect(await storedSizes(s, w.cosigner.name)).toEqual([50, 100, 200]);
  });

  it('refuses a smaller checkpoint signed after a cosigned larger one (a fork presented late)', async () => {
    const s = await setup(300);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    await forge(s, 150, new Date(Date.now() + 1000));
    const r = await pass(s, w);
    expect(r.refusal).toMatchObject({
      code: 'WITNESS_ROLLBACK_REFUSED',
      offered: { size: 150 },
      cosigned: { size: 300 },
    });
  });

  it('detects a control plane restored to an earlier state, then grown on another history', async () => {
    const s = await setup(300);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    // The restore: everything after size 200 is gone (events, checkpoints, cosignatures) …
    for (const sql of [
      'DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq >= 200',
      'DELETE FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size > 200',
      'DELETE FROM arx.checkpoint_cosignatures WHERE tenant_id = $1 AND tree_size > 200',
    ])
      await tamperAsOwner(s.db.admin, sql, [s.tenant]);
    // … and the gateway carries on: new events, a checkpoint at 300 of another history.
    await s.append(150, 9);
    const r = await pass(s, w);
    expect(r.refusal).toMatchObject({ code: 'WITNESS_ROLLBACK_REFUSED', cosigned: { size: 300 } });
    expect(r.cosigned).toBe(0);
    // The witness's own record is what catches it: from the control plane's state alone the new
    // history extends the restored size 200 consistently, and would be cosigned.
    w.heads.map.clear();
    expect(await pass(s, w)).toMatchObject({ refusal: null, cosigned: 1, head: { size: 300 } });
  });

  it('cosigns with a proof computed from the chain when the stored one is not from its size', async () => {
    const s = await setup(200);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    await s.append(100, 3);
    await tamperAsOwner(
      s.db.admin,
      `UPDATE arx.checkpoints SET consistency_proof = '{}' WHERE tenant_id = $1 AND tree_size = 300`,
      [s.tenant],
    );
    expect(await pass(s, w)).toMatchObject({ refusal: null, cosigned: 1, head: { size: 300 } });
  });

  it('passes over rows no gateway key signed, and refuses a larger checkpoint of another history', async () => {
    const s = await setup(200);
    const w = await witness(s, 'isso-1.arx.test/witness');
    await pass(s, w);
    const planted = signNote(
      formatArxCheckpoint({
        tenantId: s.tenant,
        size: 210,
        root: randomBytes(32),
        time: eventTime(new Date(), 0),
        head: randomBytes(32),
      }),
      [ed25519Signer(s.gateway.name, randomBytes(32))],
    );
    await s.db.admin.query(
      'INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at) VALUES ($1, 210, $2, $3, $4, now())',
      [s.tenant, randomBytes(32), planted, s.gateway.name],
    );
    expect(await pass(s, w)).toMatchObject({ refusal: null, unverified: 1, cosigned: 0, head: { size: 200 } });
    await forge(s, 250, new Date(Date.now() + 1000));
    const r = await pass(s, w);
    expect(r.refusal).toMatchObject({ code: 'WITNESS_PROOF_INVALID', offered: { size: 250 }, cosigned: { size: 200 } });
  });
});
