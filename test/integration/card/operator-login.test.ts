import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConsoleServices } from '../../../electron/main/composition/console-services';
import { ConsoleSession } from '../../../electron/main/core/registry';
import {
  provisionTestCards,
  registerTestOperators,
  type ProvisionedTestCards,
} from '../../../electron/main/card/test-cards';
import { startCardConsole } from '../../support/card-console';
import { migratedDatabase } from '../../support/pg';

/**
 * Operator login end to end with SoftHSM2 test cards: the contract's card commands, through the
 * real card service (worker + pkcs11js), offline path validation, and the operator lookup in a
 * real control plane; audit events land in the operator's tenant chain.
 */
let db: Awaited<ReturnType<typeof migratedDatabase>>;
let cards: ProvisionedTestCards;
let services: ConsoleServices;
const session = new ConsoleSession();
session.consentAcknowledgedAt = new Date();
const call = (name: string, req: unknown) => services.registry.invoke(name, req, { adapter: 'test', session });

beforeAll(async () => {
  db = await migratedDatabase('login');
  cards = await provisionTestCards(mkdtempSync(join(tmpdir(), 'arx-cards-')));
  await registerTestOperators(db.admin, cards, [db.tenants.a]);
  ({ services } = await startCardConsole(db, cards, 'login'));
}, 240_000);

afterAll(async () => {
  await services?.stop();
  await db?.drop();
});

async function slotOf(label: string): Promise<string> {
  const r = await call('card.readers', {});
  if (!r.ok) throw new Error(JSON.stringify(r.error));
  const reader = (r.value as { readers: { slot: string; tokenLabel: string | null }[] }).readers.find(
    (x) => x.tokenLabel === label,
  );
  if (!reader) throw new Error(`no token ${label}`);
  return reader.slot;
}

const card = (label: string) => cards.cards.find((c) => c.label === label)!;

describe('operator login with a card', () => {
  it('lists the readers with the test tokens and their PIN state', async () => {
    const r = await call('card.readers', {});
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const v = r.value as {
      module: string;
      readers: { tokenLabel: string | null; pinState: { level: string } | null }[];
    };
    expect(v.module).toBe('ready');
    const labels = v.readers.map((x) => x.tokenLabel).filter(Boolean);
    expect(labels).toEqual(expect.arrayContaining(['ARX TEST ADAMS EC', 'ARX TEST BAKER RSA', 'ARX TEST REVOKED']));
    expect(v.readers.find((x) => x.tokenLabel === 'ARX TEST ADAMS EC')!.pinState!.level).toBe('ok');
  });

  it('refuses a wrong PIN with PIN_INCORRECT, and the PIN appears nowhere in the answer', async () => {
    const r = await call('card.login', {
      slot: await slotOf('ARX TEST ADAMS EC'),
      certificateId: null,
      pin: '999111',
      confirmFinalTry: false,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.code).toBe('PIN_INCORRECT');
    expect(JSON.stringify(r)).not.toContain('999111');
  });

  for (const [label, code] of [
    ['ARX TEST REVOKED', 'CERT_REVOKED'],
    ['ARX TEST EXPIRED', 'CERT_EXPIRED'],
    ['ARX TEST UNTRUSTED', 'CERT_UNTRUSTED'],
    ['ARX TEST WRONG EKU', 'CERT_WRONG_EKU'],
    ['ARX TEST NO UPN', 'CERT_UPN_MISSING'],
  ] as const) {
    it(`refuses ${label} with ${code}`, async () => {
      const c = card(label);
      const r = await call('card.login', {
        slot: await slotOf(label),
        certificateId: null,
        pin: c.pin,
        confirmFinalTry: false,
      });
      expect(r.ok).toBe(false);
      if (!r.ok) expect(r.error.code).toBe(code);
      expect((await call('card.session', {})).ok && (await call('card.session', {}))).toMatchObject({ value: null });
    });
  }

  it('logs in an enrolled operator (EC card), records it, and logs out', async () => {
    const c = card('ARX TEST ADAMS EC');
    const r = await call('card.login', {
      slot: await slotOf(c.label),
      certificateId: null,
      pin: c.pin,
      confirmFinalTry: false,
    });
    expect(r).toMatchObject({ ok: true, value: { edipi: '1000000001', tokenLabel: c.label, locked: false } });
    if (!r.ok) return;
    const v = r.value as { roles: { tenantId: string; role: string }[] };
    expect(v.roles.map((x) => x.role).sort()).toEqual([...c.roles].sort());
    expect(services.status().card.state).toBe('logged-in');
    expect((await call('card.logout', {})).ok).toBe(true);
    expect(services.status().card.state).toBe('not-connected');
    // (The console role's password was changed for the service above; read as the owner.)
    const events = await db.admin.query<{ type: string; doc: { data: { edipi: string; reason?: string } } }>(
      `SELECT type, doc FROM arx.audit_events WHERE tenant_id = $1 AND type LIKE 'com.arx.session.%' ORDER BY seq`,
      [db.tenants.a],
    );
    expect(events.rows.map((e) => e.type)).toEqual(['com.arx.session.opened', 'com.arx.session.closed']);
    expect(events.rows[1]!.doc.data).toMatchObject({ edipi: '1000000001', reason: 'logout' });
  });

  it('refuses an operator whose certificate is not enrolled, showing the EDIPI', async () => {
    const c = card('ARX TEST BAKER RSA');
    await db.admin.query(`UPDATE arx.operators SET status = 'disabled' WHERE edipi = $1`, [c.edipi]);
    const r = await call('card.login', {
      slot: await slotOf(c.label),
      certificateId: null,
      pin: c.pin,
      confirmFinalTry: false,
    });
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('OPERATOR_DISABLED');
      expect(r.error.message).toContain(c.edipi);
    }
    await db.admin.query(`UPDATE arx.operators SET status = 'active' WHERE edipi = $1`, [c.edipi]);
  });

  it('locks the console within 2 seconds of the card leaving the reader (RSA card)', async () => {
    const c = card('ARX TEST BAKER RSA');
    const r = await call('card.login', {
      slot: await slotOf(c.label),
      certificateId: null,
      pin: c.pin,
      confirmFinalTry: false,
    });
    expect(r).toMatchObject({ ok: true, value: { edipi: c.edipi } });
    // SoftHSM2 has no reader to unplug: deleting the token between polls is what removal looks
    // like to the card service (the token becomes unreadable).
    const removedAt = Date.now();
    execFileSync('softhsm2-util', ['--delete-token', '--token', c.label], {
      env: { ...process.env, SOFTHSM2_CONF: cards.softhsm2Conf },
    });
    while (services.status().card.state !== 'locked' && Date.now() - removedAt < 5000)
      await new Promise((res) => setTimeout(res, 50));
    expect(services.status().card.state).toBe('locked');
    expect(Date.now() - removedAt).toBeLessThan(2000);
    const s = await call('card.session', {});
    expect(s).toMatchObject({ ok: true, value: { locked: true, lockReason: 'card-removed' } });
    expect((await call('card.logout', {})).ok).toBe(true);
  });
});
