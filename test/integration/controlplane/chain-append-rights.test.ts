import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ChainBuilder, nobleBlake3 } from '../../../shared/chain';
import { EVENT_TYPES, serializeEvent } from '../../../shared/events';
import { ChainWriter } from '../../../electron/main/controlplane/chain-writer';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { asyncFailureCode } from '../../support/failure-code';
import { migratedDatabase, type MigratedDatabase } from '../../support/pg';

/**
 * Appends happen only through arx.append_events. With the console's or the gateway's password an
 * attacker can no longer INSERT rows, write a type that is not theirs (the forged gateway decision
 * and role grant of the zero-trust issue), skip or reuse a seq, or store bytes that say something
 * other than the row.
 */
let db: MigratedDatabase;
beforeAll(async () => {
  db = await migratedDatabase('append_rights');
});
afterAll(async () => {
  await db?.drop();
});

const consoleWriter = (tenant: string) => new ChainWriter(db.consolePool, tenant, { source: '/arx/console/test' });
const gatewayWriter = (tenant: string) => new ChainWriter(db.gatewayPool, tenant, { source: '/arx/gateway/test' });

const sessionOpened = { type: 'com.arx.session.opened' as const, data: sessionData() };
function sessionData() {
  return {
    operatorId: randomUUID(),
    edipi: '1234567890',
    certificateSha256: 'a'.repeat(64),
    tokenLabel: 'T',
    roles: [],
  };
}
/** A well-formed gateway event, as a forger with the console's password would write it. */
const budget = {
  type: 'com.arx.budget.exceeded' as const,
  data: { team: 'ops', period: '2026-12', budgetCents: 100, spentCents: 200 },
};

describe('who may append which event type', () => {
  it('the console appends its own types', async () => {
    const r = await consoleWriter(db.tenants.a).append([sessionOpened]);
    expect(r.size).toBeGreaterThan(0);
  });

  for (const type of [
    'com.arx.policy.decided',
    'com.arx.request.received',
    'com.arx.checkpoint.issued',
    'com.arx.role.granted',
  ]) {
    it(`the console may not append ${type}`, async () => {
      const err = await rawAppend(db.consolePool, db.tenants.a, type).catch((e: Error) => e);
      expect(String(err)).toMatch(new RegExp(`may not append events of type ${type.replace(/\./g, '\\.')}`));
    });
  }

  it('the gateway may not append console or administration types', async () => {
    for (const type of ['com.arx.review.signed', 'com.arx.policy.published', 'com.arx.role.revoked']) {
      const err = await rawAppend(db.gatewayPool, db.tenants.b, type).catch((e: Error) => e);
      expect(String(err)).toMatch(/may not append events of type/);
    }
  });

  it('a refusal through the writer is CHAIN_APPEND_REFUSED and writes nothing', async () => {
    const before = await count(db.tenants.a);
    const writer = consoleWriter(db.tenants.a);
    expect(await asyncFailureCode(() => writer.append([sessionOpened, budget]))).toBe('CHAIN_APPEND_REFUSED');
    expect(await count(db.tenants.a)).toBe(before);
  });

  it('every event type of the format has exactly one writer class', async () => {
    const r = await db.admin.query<{ type: string }>('SELECT type FROM arx.event_writers ORDER BY type');
    expect(r.rows.map((row) => row.type)).toEqual([...EVENT_TYPES].sort());
  });
});

describe('the rows must continue the chain and say what their bytes say', () => {
  it('a seq that skips or repeats the head is refused', async () => {
    const tenant = db.tenants.b;
    await gatewayWriter(tenant).append([budget]);
    for (const offset of [1, -1]) {
      const err = await rawAppend(db.gatewayPool, tenant, 'com.arx.request.received', offset).catch((e: Error) => e);
      expect(String(err)).toMatch(/do not continue the chain/);
    }
  });

  it('a row whose type column differs from the type in its bytes is refused', async () => {
    const err = await rawAppend(
      db.consolePool,
      db.tenants.a,
      'com.arx.session.opened',
      0,
      'com.arx.policy.decided',
    ).catch((e: Error) => e);
    expect(String(err)).toMatch(/bytes do not say what its row says/);
  });
});

async function count(tenant: string): Promise<number> {
  const r = await db.admin.query('SELECT count(*)::int AS n FROM arx.audit_events WHERE tenant_id = $1', [tenant]);
  return r.rows[0].n;
}

/** A hand-made append, as an attacker with the role's password would send it: bytes typed `bytesType`. */
async function rawAppend(pool: pg.Pool, tenant: string, type: string, seqOffset = 0, bytesType = type): Promise<void> {
  await withTenant(pool, tenant, async (c) => {
    const head = await c.query<{ seq: string | null; chain_hash: Buffer }>(
      'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
      [tenant],
    );
    const row = head.rows[0];
    const builder = row
      ? new ChainBuilder(nobleBlake3, { seq: Number(row.seq) + 1, prevHash: new Uint8Array(row.chain_hash) })
      : new ChainBuilder(nobleBlake3, { tenantId: tenant });
    const seq = builder.head.size + seqOffset;
    const id = randomUUID();
    const time = '2026-12-07T10:00:00.000000Z';
    const event = {
      specversion: '1.0',
      id,
      source: '/arx/gateway/made-up',
      type: bytesType,
      time,
      datacontenttype: 'application/json',
      sequence: String(seq),
      arxtenant: tenant,
      data: {},
    };
    const bytes = serializeEvent(event as never);
    const entry = builder.append(bytes);
    await c.query('SELECT arx.append_events($1, $2, $3, $4, $5, $6, $7, $8)', [
      tenant,
      [String(seq)],
      [id],
      [type],
      [time],
      [Buffer.from(bytes)],
      [Buffer.from(entry.digest)],
      [Buffer.from(entry.hash)],
    ]);
  });
}
