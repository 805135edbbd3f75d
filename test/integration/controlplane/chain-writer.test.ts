import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { inject } from 'vitest';
import { verifyChain, type ChainRow } from '../../../shared/chain';
import { ChainWriter, type NewEvent } from '../../../electron/main/controlplane/chain-writer';
import { withTenant } from '../../../electron/main/controlplane/tenant-session';
import { migratedDatabase } from '../../support/pg';

const received = (n: number): NewEvent => ({
  type: 'com.arx.request.received',
  data: {
    requestId: `r-${n}`,
    user: 'ada.intel',
    team: 'intel-analysis',
    provider: 'anthropic',
    model: 'claude-sonnet',
    classification: 'internal',
    jurisdiction: 'US',
    purpose: 'analysis',
    promptTokens: 100 + n,
    estimatedCostCents: 1,
  },
});

let db: Awaited<ReturnType<typeof migratedDatabase>>;
beforeAll(async () => {
  db = await migratedDatabase('chain');
});
afterAll(async () => {
  await db?.drop();
});

async function readRows(tenant: string): Promise<ChainRow[]> {
  const r = await withTenant(db.consolePool, tenant, (c) =>
    c.query<{ seq: string; bytes: Buffer; event_digest: Buffer; chain_hash: Buffer }>(
      'SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events ORDER BY seq',
    ),
  );
  return r.rows.map((x) => ({ seq: Number(x.seq), bytes: x.bytes, digest: x.event_digest, hash: x.chain_hash }));
}

describe('chain writer', () => {
  it('refuses an invalid event with its index and field path, and writes nothing', async () => {
    const w = new ChainWriter(db.gatewayPool, db.tenants.b, { source: '/arx/gateway/test' });
    const bad = {
      type: 'com.arx.request.received',
      data: { ...(received(1).data as object), promptTokens: -5 },
    } as NewEvent;
    await expect(w.append([received(0), bad])).rejects.toMatchObject({
      code: 'EVENT_INVALID',
      details: { index: 1, path: 'data.promptTokens' },
    });
    expect(await readRows(db.tenants.b)).toEqual([]);
  });

  it('8 concurrent writers x 1,000 events: contiguous and verifiable', async () => {
    const tenant = db.tenants.a;
    const writers = Array.from(
      { length: 8 },
      (_, w) => new ChainWriter(db.gatewayPool, tenant, { source: `/arx/gateway/gw-${w}` }),
    );
    await Promise.all(
      writers.map(async (w, wi) => {
        for (let batch = 0; batch < 20; batch++) {
          await w.append(Array.from({ length: 50 }, (_, k) => received(wi * 100_000 + batch * 50 + k)));
        }
      }),
    );
    const rows = await readRows(tenant);
    expect(rows).toHaveLength(8000);
    expect(rows.every((r, i) => r.seq === i)).toBe(true);
    const report = verifyChain(rows, { start: { tenantId: tenant } });
    expect(report.errors).toEqual([]);
    expect(report.ok).toBe(true);
    // Each stored event names its own seq in the CloudEvents sequence extension.
    const sample = JSON.parse(Buffer.from(rows[4321]!.bytes).toString('utf8'));
    expect([sample.sequence, sample.arxtenant]).toEqual(['4321', tenant]);
  });

  it('a writer killed mid-append leaves no gap, fork or duplicate', async () => {
    const tenant = db.tenants.b;
    const before = (await readRows(tenant)).length;
    const c = inject('pg');
    // A separate process appends in a loop; it is SIGKILLed while its transactions are in flight.
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'kill-writer.fixture.ts')], {
      env: {
        ...process.env,
        PGHOST: c.host,
        PGPORT: String(c.port),
        PGUSER: c.user,
        PGPASSWORD: c.password,
        PGDATABASE: db.name,
        ARX_TEST_TENANT: tenant,
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let appended = 0;
    await new Promise<void>((resolve) => {
      child.stdout.on('data', (d: Buffer) => {
        appended += d
          .toString()
          .split('\n')
          .filter((l) => l === 'ok').length;
        if (appended >= 5) {
          child.kill('SIGKILL');
          resolve();
        }
      });
    });
    await new Promise((r) => child.on('exit', r));
    // Another writer carries on from wherever the killed one stopped.
    const w = new ChainWriter(db.gatewayPool, tenant, { source: '/arx/gateway/after' });
    await w.append([received(1), received(2)]);
    const rows = await readRows(tenant);
    expect(rows.length).toBeGreaterThan(before + 5 * 200);
    expect(rows.length % 200).toBe(2); // whole batches only: a killed batch left nothing behind
    expect(rows.every((r, i) => r.seq === i)).toBe(true);
    const report = verifyChain(rows, { start: { tenantId: tenant } });
    expect(report.errors).toEqual([]);
  });
});
