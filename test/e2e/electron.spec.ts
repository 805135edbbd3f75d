import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect, test } from '@playwright/test';
import { _electron, type ElectronApplication, type Page } from 'playwright-core';

/**
 * The real Electron app: main process, hardened window, sandboxed preload and `app://` protocol.
 * The only test allowed to skip (DESIGN.md, "Processes"): the Electron binary cannot be downloaded
 * on the build machines here, and the `electron` package throws when its binary is missing.
 */
function electronBinary(): string | null {
  try {
    const path = createRequire(import.meta.url)('electron') as unknown;
    return typeof path === 'string' ? path : null;
  } catch {
    return null;
  }
}

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const electron = electronBinary();
test.skip(electron === null, 'Electron binary not installed on this machine');

const CONSENT_TITLE = 'U.S. Government Information System — Notice and Consent';

test.describe('Electron shell', () => {
  let app: ElectronApplication;
  let page: Page;
  let dataDir: string;

  test.beforeAll(() => {
    // main.mjs and preload.cjs; global-setup builds the renderer.
    execFileSync(process.execPath, [join(REPO_ROOT, 'build', 'bundle-node.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
  });

  test.beforeEach(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'arx-electron-'));
    app = await _electron.launch({
      executablePath: electron!,
      args: [REPO_ROOT],
      env: { ...process.env, ARX_CONTROL_PLANE: 'none', ARX_DATA_DIR: dataDir } as Record<string, string>,
    });
    page = await app.firstWindow();
  });

  test.afterEach(async () => {
    await app.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  test('shows the notice and consent screen from app://arx', async () => {
    await expect(page.getByRole('heading', { level: 1, name: CONSENT_TITLE })).toBeVisible();
    expect(page.url()).toBe('app://arx/');
    expect(await page.title()).toBe('ARX Console');
  });

  test('the page gets window.arx and nothing of Node or IPC', async () => {
    const globals = await page.evaluate(() => {
      const w = window as unknown as Record<string, unknown>;
      return {
        require: typeof w.require,
        process: typeof w.process,
        ipcRenderer: typeof w.ipcRenderer,
        arx: typeof w.arx,
      };
    });
    expect(globals).toEqual({ require: 'undefined', process: 'undefined', ipcRenderer: 'undefined', arx: 'object' });
    const info = await page.evaluate(() =>
      (window as unknown as { arx: { app: { info(r: object): Promise<unknown> } } }).arx.app.info({}),
    );
    expect(info).toMatchObject({ ok: true, value: { product: 'ARX Console', consentTitle: CONSENT_TITLE } });
  });

  test('refuses navigation away and new windows', async () => {
    await page.evaluate(() => {
      window.location.href = 'https://example.com/';
    });
    const opened = await page.evaluate(() => window.open('https://example.com/') === null);
    await page.waitForTimeout(500);
    expect(page.url()).toBe('app://arx/');
    expect(opened).toBe(true);
    expect(app.windows()).toHaveLength(1);
  });

  test('reaches no network: fetch and images to other origins fail', async () => {
    const outcome = await page.evaluate(async () => {
      const viaFetch = await fetch('https://example.com/').then(
        () => 'loaded',
        () => 'blocked',
      );
      const viaImage = await new Promise<string>((resolve) => {
        const img = new Image();
        img.onload = () => resolve('loaded');
        img.onerror = () => resolve('blocked');
        img.src = 'http://127.0.0.1:1/x.png';
      });
      return { viaFetch, viaImage };
    });
    expect(outcome).toEqual({ viaFetch: 'blocked', viaImage: 'blocked' });
  });
});
