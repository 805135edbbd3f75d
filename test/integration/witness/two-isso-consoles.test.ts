import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ed25519Signer, formatArxCheckpoint, signNote } from '../../../shared/checkpoint';
import { eventTime } from '../../../shared/events';
import type { WitnessStatus } from '../../../shared/contract/domains/witness';
import {
  provisionTestCards,
  registerTestOperators,
  TEST_CARDS,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { Checkpointer } from '../../../electron/main/controlplane/checkpointer';
import { registerGatewayKey } from '../../../electron/main/controlplane/gateway-keys';
import { simulate } from '../../../electron/main/simulator/simulate';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import {
  cacheUnlocked,
  consoleCaller,
  loginCard,
  startCardConsole,
  type ConsoleCaller,
} from '../../support/card-console';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';
import { tamperAsOwner } from '../../support/tamper';

/**
 * The issue's test: two ISSOs' consoles (SoftHSM2 cards, their own database logins, their
 * companion keys as witness keys) witness the same tenants. A gateway that signs a second history
 * — the control plane restored to an earlier chain and grown again, or a checkpoint of the
 * witnessed size with another root — is refused by both; each records its card-signed
 * com.arx.witness.forkdetected event and raises the alarm, which survives a restart of the console
 * without being recorded twice.
 */
const PIN = '123456';
const ADAMS = 'ARX TEST ADAMS EC';
const BAKER = 'ARX TEST BAKER RSA';

let dir: string;
let db: MigratedDatabase;
let cards: ProvisionedTestCards;
const consoles: { label: string; services: ConsoleServices | null; dataDir: string; caller: ConsoleCaller }[] = [];
const gateways = new Map<string, ReturnType<typeof ed25519Signer>>();
let day = 0;

async function traffic(tenant: string, events: number, seed: number): Promise<void> {
  const gateway = gateways.get(tenant)!;
  const cp = new Checkpointer(tenant, gateway, { everyEvents: 100, everyMs: 3_600_000 });
  const writer = new ChainWriter(db.gatewayPool, tenant, {
    source: '/arx/simulator/test',
    afterAppend: cp.afterAppend,
  });
  const start = new Date(Date.UTC(2026, 10, 2 + day++));
  await simulate({ pool: db.gatewayPool, tenantId: tenant, events, seed, start, writer, batchSize: 50 });
}

async function openConsole(i: number): Promise<ConsoleCaller> {
  const c = consoles[i]!;
  ({ services: c.services } = await startCardConsole(db, cards, `witness-${i}`, { ARX_DATA_DIR: c.dataDir }));
  await loginCard(c.caller, c.label, PIN);
  await cacheUnlocked(c.caller);
  for (let n = 0; n < 400; n++) {
    const { state } = await c.caller.call<{ state: string }>('companion.status', {});
    if (state !== 'opening') break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return c.caller;
}

/** SoftHSM2 serves one console per process at a time: each ISSO's console runs in turn, its data directory kept. */
async function each(fn: (c: ConsoleCaller, i: number) => Promise<void>): Promise<void> {
  for (let i = 0; i < consoles.length; i++) {
    const caller = await openConsole(i);
    try {
      await fn(caller, i);
    } finally {
      await consoles[i]!.services!.stop();
      consoles[i]!.services = null;
    }
  }
}

const run = (c: ConsoleCaller) => c.call<WitnessStatus>('witnessing.run', {});
const tenantOf = (s: WitnessStatus, id: string) => s.tenants.find((t) => t.tenantId === id)!;
const forkEvents = async (tenant: string) =>
  (
    await db.admin.query<{ doc: { arxwriter: string; arxsig?: string; data: Record<string, unknown> } }>(
      "SELECT doc FROM arx.audit_events WHERE tenant_id = $1 AND type = 'com.arx.witness.forkdetected' ORDER BY seq",
      [tenant],
    )
  ).rows.map((r) => r.doc);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'arx-witness-'));
  db = await migratedDatabase('wit2');
  cards = await provisionTestCards(join(dir, 'cards'), {
    specs: TEST_CARDS.filter((c) => c.label === ADAMS || c.label === BAKER),
  });
  await registerTestOperators(db.admin, cards, [db.tenants.a, db.tenants.b]);
  // BAKER is an approver and auditor on the test cards; here a second ISSO of both tenants.
  await db.admin.query(
    `INSERT INTO arx.role_grants (tenant_id, operator_id, role)
       SELECT t, o.id, 'isso' FROM arx.operators o, unnest($1::uuid[]) t WHERE o.edipi = '1000000002'`,
    [[db.tenants.a, db.tenants.b]],
  );
  for (const t of [db.tenants.a, db.tenants.b]) {
    const gateway = ed25519Signer(`arx-gateway.${t.slice(0, 8)}.1`, randomBytes(32));
    gateways.set(t, gateway);
    await registerGatewayKey(db.admin, t, {
      name: gateway.name,
      secretKey: new Uint8Array(32),
      publicKey: gateway.publicKey,
      validFrom: new Date(Date.now() - 86_400_000),
    });
    await traffic(t, 300, 1);
  }
  for (const label of [ADAMS, BAKER]) {
    const i = consoles.length;
    consoles.push({
      label,
      services: null,
      dataDir: join(dir, `data-${i}`),
      caller: consoleCaller(() => consoles[i]!.services!),
    });
  }
  await each((c) => c.call('companion.enrol', { pin: PIN }).then(() => {}));
}, 300_000);

afterAll(async () => {
  for (const c of consoles) await c.services?.stop().catch(() => {});
  await db?.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('two ISSO consoles witnessing the same tenants', () => {
  it('both catch up and cosign every checkpoint with their companion keys', async () => {
    await each(async (c) => {
      const s = await run(c);
      expect(s).toMatchObject({ state: 'idle', problem: null, alarms: [] });
      expect(s.witnessKey).toMatch(/^witness\.arx\/[0-9a-f-]{36}\/[0-9a-f]{16}\+[0-9a-f]{8}\+B/);
      for (const t of [db.tenants.a, db.tenants.b])
        expect(tenantOf(s, t)).toMatchObject({ state: 'current', witnessedSize: 300, latestSize: 300, lag: 0 });
    });
    const witnesses = await db.admin.query<{ n: string }>(
      'SELECT count(DISTINCT witness_name) AS n FROM arx.checkpoint_cosignatures WHERE tenant_id = $1 AND tree_size = 300',
      [db.tenants.a],
    );
    expect(Number(witnesses.rows[0]!.n)).toBe(2);
  });

  it('both refuse a control plane restored to an earlier chain and grown again, and raise the alarm', async () => {
    const t = db.tenants.a;
    for (const sql of [
      'DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq >= 200',
      'DELETE FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size > 200',
      'DELETE FROM arx.checkpoint_cosignatures WHERE tenant_id = $1 AND tree_size > 200',
    ])
      await tamperAsOwner(db.admin, sql, [t]);
    await traffic(t, 150, 9);
    await each(async (c) => {
      const s = await run(c);
      expect(s.state).toBe('alarm');
      expect(tenantOf(s, t).state).toBe('alarm');
      expect(tenantOf(s, db.tenants.b).state).toBe('current');
      expect(s.alarms).toMatchObject([
        { tenantId: t, code: 'WITNESS_ROLLBACK_REFUSED', cosignedSize: 300, recorded: true },
      ]);
    });
    const evs = await forkEvents(t);
    expect(evs).toHaveLength(2);
    for (const e of evs) {
      expect(e.arxwriter).toMatch(/^operator\//);
      expect(e.arxsig).toBeTruthy();
      expect(e.data).toMatchObject({ code: 'WITNESS_ROLLBACK_REFUSED', cosignedSize: 300 });
    }
    expect(new Set(evs.map((e) => e.data.operatorId)).size).toBe(2);
  });

  it('both refuse a checkpoint of the witnessed size with another root', async () => {
    const t = db.tenants.b;
    const root = randomBytes(32);
    const note = signNote(
      formatArxCheckpoint({ tenantId: t, size: 300, root, time: eventTime(new Date(), 0), head: randomBytes(32) }),
      [gateways.get(t)!],
    );
    await db.admin.query(
      'INSERT INTO arx.checkpoints (tenant_id, tree_size, root, note, key_name, issued_at) VALUES ($1, 300, $2, $3, $4, now())',
      [t, root, note, gateways.get(t)!.name],
    );
    await each(async (c) => {
      const s = await run(c);
      expect(s.alarms.find((a) => a.tenantId === t)).toMatchObject({ code: 'WITNESS_FORK_DETECTED', treeSize: 300 });
    });
    expect((await forkEvents(t)).map((e) => e.data.code)).toEqual(['WITNESS_FORK_DETECTED', 'WITNESS_FORK_DETECTED']);
  });

  it('keeps the alarm across a restart, acknowledged or not, without recording it again', async () => {
    const c = consoles[0]!;
    let caller = await openConsole(0);
    await run(caller);
    const acknowledged = await caller.call<WitnessStatus>('witnessing.acknowledge', {});
    expect(acknowledged.alarms.map((a) => a.acknowledged)).toEqual([true, true]);
    await c.services!.stop();
    caller = await openConsole(0);
    const s = await run(caller);
    expect(s.state).toBe('alarm');
    expect(s.alarms.map((a) => [a.code, a.acknowledged])).toEqual([
      ['WITNESS_ROLLBACK_REFUSED', true],
      ['WITNESS_FORK_DETECTED', true],
    ]);
    expect(await forkEvents(db.tenants.a)).toHaveLength(2);
    expect(await forkEvents(db.tenants.b)).toHaveLength(2);
    await caller.call('card.logout', {});
    expect(await caller.call<WitnessStatus>('witnessing.status', {})).toMatchObject({ state: 'off', alarms: [] });
  });
});
