import type { Page } from '@playwright/test';
import { tamperAsOwner } from '../support/tamper';
import { expect, saveScreenshot, sectionsNav, test } from './support/console-fixture';

/**
 * Verify a chain in the console on the demo control plane (embedded PostgreSQL,
 * simulated gateway traffic, real card login as the ISSO ADAMS): the database owner tampers behind
 * the console's back, and the result screen names every problem with its code, seq and meaning.
 */
const EVENTS = 2000;

async function openVerify(page: Page) {
  await sectionsNav(page).getByRole('link', { name: 'Audit' }).click();
  await page.getByRole('tab', { name: 'Verify chain' }).click();
  await expect(page.getByRole('button', { name: 'Verify chain' })).toBeEnabled();
}

const problem = (page: Page, code: string, seq: number) =>
  page.locator(`tr[data-problem-code="${code}"][data-problem-seq="${seq}"]`);

async function chooseTenant(page: Page, slug: string) {
  await page.getByRole('combobox', { name: 'Tenant' }).click();
  await page.getByRole('option', { name: slug, exact: true }).click();
}

test.describe('verify a tenant chain (demo control plane, real database, real card login)', () => {
  test('intact, then modified bytes, a deleted event, swapped events and a replaced checkpoint signature, each with code, seq and meaning', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    const tenant = (await admin.query<{ id: string }>(`SELECT id FROM arx.tenants WHERE slug = 'alpha-command'`))
      .rows[0]!.id;
    await openVerify(page);
    await expect(page.getByRole('combobox', { name: 'Tenant' })).toHaveValue(/alpha-command/);

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="intact"]')).toBeVisible();
    // The demo events plus the session events of this login.
    const stored = Number(
      (await admin.query<{ n: string }>('SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1', [tenant]))
        .rows[0]!.n,
    );
    expect(stored).toBeGreaterThanOrEqual(EVENTS);
    await expect(page.getByRole('table', { name: 'Verification summary' })).toContainText(
      `${stored.toLocaleString('en-US')} (`,
    );
    await expect(page.getByRole('table', { name: 'Verification summary' })).toContainText('the signed checkpoint of');
    await saveScreenshot(page, 'audit-verify-intact');

    await tamperAsOwner(
      admin,
      `UPDATE arx.audit_events SET bytes = bytes || '\\x20'::bytea WHERE tenant_id = $1 AND seq = 500`,
      [tenant],
    );
    await tamperAsOwner(admin, 'DELETE FROM arx.audit_events WHERE tenant_id = $1 AND seq = 700', [tenant]);
    await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = 999999 WHERE tenant_id = $1 AND seq = 1000', [
      tenant,
    ]);
    await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = 1000 WHERE tenant_id = $1 AND seq = 1001', [tenant]);
    await tamperAsOwner(admin, 'UPDATE arx.audit_events SET seq = 1001 WHERE tenant_id = $1 AND seq = 999999', [
      tenant,
    ]);
    const cp = (
      await admin.query<{ tree_size: string; note: string }>(
        'SELECT tree_size, note FROM arx.checkpoints WHERE tenant_id = $1 AND tree_size > 0 ORDER BY tree_size LIMIT 1',
        [tenant],
      )
    ).rows[0]!;
    const forged = cp.note.replace(/(— \S+ )(\S+)\n$/, (_m, a: string, sig: string) => {
      const raw = Buffer.from(sig, 'base64');
      raw[30] = raw[30]! ^ 0x01;
      return `${a}${raw.toString('base64')}\n`;
    });
    await tamperAsOwner(admin, 'UPDATE arx.checkpoints SET note = $2 WHERE tenant_id = $1 AND tree_size = $3', [
      tenant,
      forged,
      cp.tree_size,
    ]);

    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="broken"]')).toBeVisible();
    await expect(problem(page, 'EVENT_DIGEST_MISMATCH', 500)).toContainText(
      'Event 500 was modified after it was written',
    );
    await expect(problem(page, 'SEQ_GAP', 700)).toContainText('Event 700 was deleted');
    await expect(problem(page, 'SEQ_SWAPPED', 1000)).toContainText('Events 1,000 and 1,001 exchanged their places');
    const cpSeq = Number(cp.tree_size) - 1;
    await expect(problem(page, 'CHECKPOINT_SIGNATURE_INVALID', cpSeq)).toContainText('does not verify');
    // Expected and found values are shown (shortened; the full value in the title).
    const digestRow = problem(page, 'EVENT_DIGEST_MISMATCH', 500);
    await expect(digestRow.getByRole('cell').nth(4)).toHaveAttribute('title', /^[0-9a-f]{64}$/);
    await expect(digestRow.getByRole('cell').nth(5)).toHaveAttribute('title', /^[0-9a-f]{64}$/);
    await page.locator('[data-verdict="broken"]').scrollIntoViewIfNeeded();
    await saveScreenshot(page, 'audit-verify-broken');
  });

  test('a seq range of another tenant finds an event copied from alpha-command; the tail is shown as not yet checkpointed', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    const ids = Object.fromEntries(
      (await admin.query<{ id: string; slug: string }>('SELECT id, slug FROM arx.tenants')).rows.map((r) => [
        r.slug,
        r.id,
      ]),
    );
    await tamperAsOwner(
      admin,
      `UPDATE arx.audit_events AS dst SET bytes = src.bytes, doc = src.doc, event_digest = src.event_digest, chain_hash = src.chain_hash
       FROM arx.audit_events AS src WHERE dst.tenant_id = $1 AND dst.seq = 1200 AND src.tenant_id = $2 AND src.seq = 1200`,
      [ids['bravo-finance'], ids['alpha-command']],
    );
    // The newest checkpoint inside the range anchors it; the events after it are the tail.
    const sizes = (
      await admin.query<{ s: string }>(
        'SELECT DISTINCT tree_size AS s FROM arx.checkpoints WHERE tenant_id = $1 ORDER BY 1',
        [ids['bravo-finance']],
      )
    ).rows.map((r) => Number(r.s));
    const inRange = sizes.filter((x) => x > 0 && x - 1 <= EVENTS - 1).pop()!;
    const later = sizes.find((x) => x - 1 > EVENTS - 1) ?? null;
    await openVerify(page);
    await chooseTenant(page, 'bravo-finance');
    await page.getByText('By seq', { exact: true }).click();
    await page.getByRole('textbox', { name: 'First seq' }).fill('1000');
    await page.getByRole('textbox', { name: 'Last seq' }).fill(String(EVENTS - 1));
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="broken"]')).toBeVisible();
    await expect(problem(page, 'EVENT_FOREIGN_TENANT', 1200)).toContainText('Event 1,200 belongs to another tenant');
    await expect(problem(page, 'EVENT_FOREIGN_TENANT', 1200)).toContainText(ids['alpha-command']!);
    await expect(page.getByRole('table', { name: 'Verification summary' })).toContainText('Seq 1,000 to 1,999');
    expect(inRange).toBeLessThan(EVENTS);
    await expect(page.getByTestId('verify-tail')).toContainText(
      `${(EVENTS - inRange).toLocaleString('en-US')} events from seq ${inRange.toLocaleString('en-US')} on`,
    );
    if (later !== null)
      await expect(page.getByTestId('verify-tail')).toContainText(
        `the checkpoint of ${later.toLocaleString('en-US')} events covers them`,
      );
    await saveScreenshot(page, 'audit-verify-foreign');
  });

  test('a running verification can be cancelled; it left nothing behind and the next one runs', async ({
    openConsole,
  }) => {
    const { page, services } = await openConsole({ controlPlane: 'demo', login: 'adams', demoEvents: EVENTS });
    const admin = services.controlPlane.requireAdminPool();
    await openVerify(page);
    // Hold the events table so that the verification is still running when Cancel is pressed.
    const holder = await admin.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('LOCK TABLE arx.audit_events IN ACCESS EXCLUSIVE MODE');
      await page.getByRole('button', { name: 'Verify chain' }).click();
      await expect(page.getByRole('progressbar', { name: 'Verification progress' })).toBeAttached();
      await expect(page.getByRole('button', { name: 'Cancel verification' })).toBeVisible();
      await expect(page.getByRole('combobox', { name: 'Tenant' })).toBeDisabled();
      await saveScreenshot(page, 'audit-verify-running');
      await page.getByRole('button', { name: 'Cancel verification' }).click();
      await expect(page.getByTestId('verify-cancelled')).toContainText('nothing was changed or left half-written');
    } finally {
      await holder.query('ROLLBACK');
      holder.release();
    }
    const busy = async () =>
      (await admin.query(`SELECT pid FROM pg_stat_activity WHERE usename LIKE 'arx_op_%' AND state <> 'idle'`))
        .rowCount;
    await expect.poll(busy).toBe(0);
    await page.getByRole('button', { name: 'Verify chain' }).click();
    await expect(page.locator('[data-verdict="intact"]')).toBeVisible();
  });
});
