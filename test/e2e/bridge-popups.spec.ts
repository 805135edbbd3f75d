import { acknowledgeConsent, expect, test } from './support/console-fixture';

test.describe('the Chromium bridge', () => {
  test('opens no popups: window.open gives nothing and a target=_blank page is closed unserved', async ({
    openConsole,
  }) => {
    const { page, context } = await openConsole();
    await acknowledgeConsent(page);
    expect(await page.evaluate(() => window.open('/') === null)).toBe(true);
    const popup = context.waitForEvent('page');
    await page.evaluate(() => {
      const a = document.createElement('a');
      a.href = '/';
      a.target = '_blank';
      a.rel = 'noopener';
      a.textContent = 'popup';
      document.body.append(a);
      a.click();
    });
    const opened = await popup;
    await expect.poll(() => opened.isClosed()).toBe(true);
    expect(context.pages()).toEqual([page]);
    // With an opener (window.open restored from a fresh frame): closed as well.
    const second = context.waitForEvent('page');
    await page.evaluate(() => {
      const frame = document.createElement('iframe');
      document.body.append(frame);
      (frame.contentWindow as Window).open('about:blank', '_blank');
    });
    const withOpener = await second;
    await expect.poll(() => withOpener.isClosed()).toBe(true);
    expect(context.pages()).toEqual([page]);
  });

  test('keeps the sandbox, or says in the status bar why Chromium cannot', async ({ openConsole }) => {
    const { page, sandbox } = await openConsole();
    await acknowledgeConsent(page);
    const bar = page.getByRole('status', { name: 'Connection status' });
    await expect(bar.getByRole('group', { name: 'Card' })).toBeVisible();
    const window = bar.getByRole('group', { name: 'Window' });
    if (sandbox.sandbox) await expect(window).toHaveCount(0);
    else {
      await expect(window).toContainText('Window: No sandbox');
      await expect(window).toContainText(sandbox.reason);
    }
  });
});
