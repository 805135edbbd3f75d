import { COMMAND_NAMES } from '../../shared/contract';
import { createServer, type Server } from 'node:net';
import AxeBuilder from '@axe-core/playwright';
import { chromium, type Page } from '@playwright/test';
import { chromiumExecutable, CHROMIUM_QUIET_FLAGS } from '../../electron/main/bridge/launch-chromium';
import { BRIDGE_ORIGIN, serveRendererAsset } from '../../electron/main/shell/renderer-assets';
import { acknowledgeConsent, expect, sectionsNav, test } from './support/console-fixture';
import { RENDERER_DIST } from './support/paths';

type Envelope = { ok: boolean; error?: { code: string; message: string; details?: { path?: string } } };

/** Calls a window.arx function from the page with an arbitrary (possibly malformed) argument. */
const call = (page: Page, group: string, method: string, request: unknown): Promise<Envelope> =>
  page.evaluate(
    ([g, m, r]) =>
      (window as unknown as { arx: Record<string, Record<string, (r: unknown) => Promise<Envelope>>> }).arx[g]![m]!(r),
    [group, method, request] as const,
  );

/** A loopback listener that only counts connections: proof that nothing reached it. */
async function canary(): Promise<{ port: number; connections: () => number; close: () => Promise<void> }> {
  let count = 0;
  const server: Server = createServer((socket) => {
    count++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('canary has no port');
  return { port: address.port, connections: () => count, close: () => new Promise((r) => server.close(() => r())) };
}

test.describe('window.arx boundary', () => {
  test('a malformed request gets INVALID_REQUEST with the path of the bad field', async ({ openConsole }) => {
    const { page } = await openConsole();

    const wrongValue = await call(page, 'session', 'acknowledgeConsent', { accept: false });
    expect(wrongValue).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', details: { path: 'accept' } } });
    expect(wrongValue.error!.message).toContain('accept');

    const extraField = await call(page, 'app', 'info', { verbose: true });
    expect(extraField).toMatchObject({ ok: false, error: { code: 'INVALID_REQUEST', details: { path: 'verbose' } } });

    const notAnObject = await call(page, 'session', 'acknowledgeConsent', 'yes');
    expect(notAnObject).toMatchObject({
      ok: false,
      error: { code: 'INVALID_REQUEST', details: { path: '(request)' } },
    });

    // Validation comes before the consent check, and a refused request changes nothing.
    expect(await call(page, 'status', 'get', { extra: 1 })).toMatchObject({
      error: { code: 'INVALID_REQUEST', details: { path: 'extra' } },
    });
    expect(await call(page, 'session', 'state', {})).toMatchObject({ ok: true, value: { consentAcknowledged: false } });
    // Errors are values, never stack traces.
    expect(JSON.stringify(wrongValue)).not.toMatch(/at .*\.ts:\d+/);
  });

  test('window.arx is frozen and the raw transport is not reachable', async ({ openConsole }) => {
    const { page } = await openConsole();
    const probe = await page.evaluate(() => {
      const w = window as unknown as { arx: Record<string, unknown>; __arxInvoke?: unknown };
      let replaced = false;
      try {
        (w.arx as { status: { get: unknown } }).status.get = () => 'forged';
        replaced = (w.arx as { status: { get: () => unknown } }).status.get() === 'forged';
      } catch {
        replaced = false;
      }
      return {
        frozen: Object.isFrozen(w.arx) && Object.isFrozen(w.arx.status),
        rawBinding: typeof w.__arxInvoke,
        replaced,
        groups: Object.keys(w.arx).sort(),
      };
    });
    // Exactly the contract's groups and subscribe: nothing else is put on window.arx.
    const groups = [...new Set(COMMAND_NAMES.map((n) => n.split('.')[0]!)), 'subscribe'].sort();
    expect(groups).toEqual(expect.arrayContaining(['app', 'card', 'session', 'settings', 'status', 'subscribe']));
    expect(probe).toEqual({ frozen: true, rawBinding: 'undefined', replaced: false, groups });
  });

  test('the page cannot reach the network, and nothing leaves the machine', async ({ openConsole }) => {
    const listener = await canary();
    try {
      const { page, context, problems } = await openConsole({ expectViolations: true });
      const outside: string[] = [];
      const failed = new Set<string>();
      context.on('request', (r) => {
        if (!r.url().startsWith(BRIDGE_ORIGIN)) outside.push(r.url());
      });
      context.on('requestfailed', (r) => failed.add(r.url()));

      const results = await page.evaluate(async (port) => {
        const out: Record<string, string> = {};
        const attempt = async (name: string, fn: () => Promise<unknown>) => {
          try {
            await fn();
            out[name] = 'reached';
          } catch (e) {
            out[name] = `blocked (${e instanceof Error ? e.name : String(e)})`;
          }
        };
        const loopback = `http://127.0.0.1:${port}`;
        await attempt('fetch http://127.0.0.1', () => fetch(`${loopback}/`));
        await attempt('fetch https://example.com', () => fetch('https://example.com/'));
        await attempt('fetch http://127.0.0.1:1', () => fetch('http://127.0.0.1:1/'));
        await attempt(
          'XMLHttpRequest',
          () =>
            new Promise((resolve, reject) => {
              const x = new XMLHttpRequest();
              x.open('GET', `${loopback}/xhr`);
              x.onload = resolve;
              x.onerror = () => reject(new Error('xhr'));
              x.send();
            }),
        );
        await attempt(
          'WebSocket',
          () =>
            new Promise((resolve, reject) => {
              const ws = new WebSocket(`ws://127.0.0.1:${port}/`);
              ws.onopen = resolve;
              ws.onerror = () => reject(new Error('ws'));
            }),
        );
        await attempt(
          'image',
          () =>
            new Promise((resolve, reject) => {
              const img = new Image();
              img.onload = resolve;
              img.onerror = () => reject(new Error('img'));
              img.src = `${loopback}/pixel.png`;
            }),
        );
        try {
          navigator.sendBeacon(`${loopback}/beacon`, 'x');
        } catch {
          // refused outright: fine
        }
        return out;
      }, listener.port);

      for (const [name, outcome] of Object.entries(results)) expect(outcome, name).toMatch(/^blocked/);
      // The CSP is what stopped them, in the renderer, before any socket was opened.
      expect(problems.some((p) => p.includes('Content Security Policy') && p.includes('connect-src'))).toBe(true);

      // A top-level navigation away is aborted by the bridge.
      await page.evaluate((port) => {
        location.href = `http://127.0.0.1:${port}/navigate`;
      }, listener.port);
      await expect.poll(() => failed.has(`http://127.0.0.1:${listener.port}/navigate`)).toBe(true);

      await page.waitForTimeout(500);
      expect(listener.connections()).toBe(0);
      // Any request for another origin that Chromium did issue was failed, not answered.
      for (const url of outside) expect(failed.has(url), url).toBe(true);
    } finally {
      await listener.close();
    }
  });

  test('the CSP header is present, and the console runs under it without a single violation', async ({
    openConsole,
  }) => {
    const { page, bridge, problems } = await openConsole();
    const response = await page.goto(bridge.url);
    const csp = response!.headers()['content-security-policy'] ?? '';
    for (const directive of [
      "default-src 'none'",
      "script-src 'self'",
      "connect-src 'none'",
      "object-src 'none'",
      "frame-ancestors 'none'",
      "base-uri 'none'",
      "form-action 'none'",
    ]) {
      expect(csp).toContain(directive);
    }
    const nonce = /'nonce-([^']+)'/.exec(csp)?.[1];
    expect(nonce).toBeTruthy();
    expect(await page.locator('meta[name="arx-style-nonce"]').getAttribute('content')).toBe(nonce);

    await acknowledgeConsent(page);
    for (const name of ['Audit', 'Certificates', 'Bundles', 'Settings', 'Policies']) {
      await sectionsNav(page).getByRole('link', { name }).click();
      await expect(page.getByRole('heading', { level: 1, name })).toBeVisible();
    }
    await page.getByRole('button', { name: 'Switch to dark theme' }).click();
    await expect(page.locator('html')).toHaveAttribute('data-mantine-color-scheme', 'dark');

    const page_ = await page.evaluate(() => ({
      styleNonces: [...document.querySelectorAll('style')].map((s) => s.nonce),
      inlineScripts: [...document.scripts].filter((s) => !s.src).length,
      scriptOrigins: [...document.scripts].map((s) => new URL(s.src).origin),
    }));
    expect(page_.styleNonces.length).toBeGreaterThan(0);
    expect(page_.styleNonces.every((n) => n === nonce)).toBe(true);
    expect(page_.inlineScripts).toBe(0);
    expect(new Set(page_.scriptOrigins)).toEqual(new Set([BRIDGE_ORIGIN]));
    expect(problems).toEqual([]);
  });
});

test('without window.arx the renderer says so and shows nothing of the console', async () => {
  const browser = await chromium.launch({
    executablePath: chromiumExecutable(),
    headless: true,
    args: [...CHROMIUM_QUIET_FLAGS, '--no-sandbox'],
  });
  try {
    const context = await browser.newContext();
    await context.route(
      () => true,
      (route) => {
        const url = new URL(route.request().url());
        if (url.origin !== BRIDGE_ORIGIN) return route.abort('blockedbyclient');
        const res = serveRendererAsset(RENDERER_DIST, url.pathname);
        return route.fulfill({ status: res.status, headers: res.headers, body: res.body });
      },
    );
    const page = await context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(`${BRIDGE_ORIGIN}/`);
    await expect(page.getByRole('heading', { level: 1, name: 'ARX Console could not start' })).toBeVisible();
    await expect(page.getByRole('alert')).toContainText('BRIDGE_MISSING');
    await expect(page.getByRole('note', { name: 'Classification: CLASSIFICATION UNAVAILABLE' })).toHaveCount(2);
    await expect(page.getByRole('button', { name: 'I acknowledge' })).toHaveCount(0);
    await expect(page.getByRole('navigation')).toHaveCount(0);
    const axe = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    expect(axe.violations.map((v) => v.id)).toEqual([]);
    expect(errors).toEqual([]);
  } finally {
    await browser.close();
  }
});
