import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import type { ClassificationLevel } from '../../../shared/config/classification';
import { launchChromiumConsole, type ChromiumConsole } from '../../../electron/main/bridge/launch-chromium';
import { loadConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/composition/console-services';
import { ConsoleSession } from '../../../electron/main/core/registry';
import type { OperatorSession } from '../../../shared/contract';
import type { CardBackend } from '../../../electron/main/card/operator-auth';
import { STUB_OPERATOR, withStubOperator } from './fake-card';
import {
  demoDataDir,
  loginAs,
  removeTemplates,
  setTemplateRoot,
  stopServices,
  DEFAULT_DEMO_EVENTS,
  type DemoOperator,
} from './demo-console';
import { RENDERER_DIST, SCREENSHOT_DIR } from './paths';

export interface ConsoleOptions {
  classification?: ClassificationLevel;
  /** Written to a configuration file (ARX_CONFIG), the way a deployment sets it. */
  caveat?: string;
  colorScheme?: 'light' | 'dark';
  /** The test provokes CSP violations on purpose; otherwise any console error fails the test. */
  expectViolations?: boolean;
  /**
   * The operator session. Default: a stub operator (fake-card.ts, withStubOperator), so that specs
   * about the console get past the login screen without a control plane. null: main's real
   * operator login, with `cardBackend` (or the configured PKCS#11 module) behind it.
   */
  operator?: OperatorSession | null;
  cardBackend?: () => Promise<CardBackend>;
  /**
   * 'none' (default): no control plane. 'demo': the embedded PostgreSQL with the demo seeding and
   * the demo card (SoftHSM2 tokens "ARX TEST ADAMS EC" and "ARX TEST BAKER RSA", PIN 123456), and
   * main's real operator login (no stub; `operator` and `cardBackend` are ignored). See
   * test/e2e/support/demo-console.ts and /tmp/team/FIXTURE.md.
   */
  controlPlane?: 'none' | 'demo';
  /** Demo events per tenant (ARX_DEMO_EVENTS); default 200. Each distinct value builds its own template once per worker. */
  demoEvents?: number;
  /** Test-only: replaces the services the UI talks to (e.g. to make one command fail). */
  wrapServices?: (services: ConsoleServices) => ConsoleServices;
  /** With controlPlane 'demo': log in through the UI with this card (notice, reader, PIN) and wait for the console; null (default): stay on the notice. */
  login?: DemoOperator | null;
  /** More ARX_* configuration, as a deployment sets it (e.g. another card module and its trust anchors). */
  env?: Record<string, string>;
  /** Runs once the services (and the demo control plane) are up, before Chromium opens: e.g. enrol other cards. */
  beforeUi?: (services: ConsoleServices) => Promise<void>;
}

export interface OpenedConsole extends ChromiumConsole {
  services: ConsoleServices;
  /** The console's data directory (with controlPlane 'demo': demo-card/ holds its SoftHSM2 tokens). */
  dataDir: string;
  /** Console errors, page errors and CSP violations seen since the page loaded. */
  problems: string[];
}

/**
 * Opens ARX Console in headless Chromium through the project's own launcher and bridge, on
 * console services with a fresh data directory: no control plane (`ARX_CONTROL_PLANE=none`) and a
 * stub operator by default, or the demo control plane with the real card login.
 * `track` is told of the services as soon as they exist, so that teardown stops them (and their
 * embedded PostgreSQL) even when a later step fails.
 */
async function openConsole(
  dataRoot: string,
  opts: ConsoleOptions,
  track: (services: ConsoleServices, dataDir: string) => void,
): Promise<OpenedConsole> {
  const dataDir = mkdtempSync(join(dataRoot, 'console-'));
  const demo = opts.controlPlane === 'demo';
  const env: Record<string, string> = {
    ...opts.env,
    ARX_CONTROL_PLANE: demo ? 'embedded' : 'none',
    ARX_DATA_DIR: dataDir,
  };
  if (opts.classification) env.ARX_CLASSIFICATION = opts.classification;
  if (opts.caveat !== undefined) {
    const file = join(dataDir, 'arx.json');
    writeFileSync(file, JSON.stringify({ classificationCaveat: opts.caveat }));
    env.ARX_CONFIG = file;
  }
  let services: ConsoleServices;
  if (demo) {
    await demoDataDir(dataDir, opts.demoEvents ?? DEFAULT_DEMO_EVENTS);
    // seedDemo: the copied cluster already has its tenants (no seeding); this prepares the demo card.
    services = createConsoleServices(loadConfig(env), () => {}, { seedDemo: true });
  } else {
    const real = createConsoleServices(
      loadConfig(env),
      () => {},
      opts.cardBackend ? { cardBackend: opts.cardBackend } : {},
    );
    const operator = opts.operator === undefined ? STUB_OPERATOR : opts.operator;
    services = operator ? withStubOperator(real, operator) : real;
  }
  track(services, dataDir);
  if (opts.wrapServices) services = opts.wrapServices(services);
  await services.start();
  if (demo) {
    await services.demoReady;
    const st = services.status();
    if (st.controlPlane.state !== 'connected')
      throw new Error(`demo control plane did not start: ${st.controlPlane.detail}`);
    if (!services.config.card.trustAnchors) throw new Error('demo card was not prepared (is softhsm2 installed?)');
  }
  if (opts.beforeUi) await opts.beforeUi(services);
  if (demo) {
    // Loads the card module in its worker while Chromium starts (the login screen's first
    // card.readers would do the same, only later). A session of its own: the page's is untouched.
    const warm = new ConsoleSession();
    warm.consentAcknowledgedAt = new Date();
    void services.registry.invoke('card.readers', {}, { adapter: 'test', session: warm });
  }
  const ui = await launchChromiumConsole({ services, rendererDir: RENDERER_DIST, headless: true });
  const problems: string[] = [];
  ui.page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  ui.page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await ui.page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light' });
  // The launcher navigated before the listeners above existed; load again so that they see it all.
  await ui.page.reload();
  const opened = { ...ui, services, dataDir, problems };
  if (demo && opts.login) await loginAs(ui.page, opts.login);
  return opened;
}

export const test = base.extend<
  { openConsole: (opts?: ConsoleOptions) => Promise<OpenedConsole> },
  { demoTemplates: void }
>({
  // Per worker: where the demo control plane's template data directories live (demo-console.ts).
  demoTemplates: [
    async ({}, use) => {
      const root = mkdtempSync(join(tmpdir(), 'arx-e2e-demo-'));
      setTemplateRoot(root);
      await use();
      removeTemplates();
      rmSync(root, { recursive: true, force: true });
    },
    { scope: 'worker' },
  ],
  openConsole: async ({ demoTemplates }, use) => {
    void demoTemplates;
    const dataRoot = mkdtempSync(join(tmpdir(), 'arx-e2e-'));
    const opened: OpenedConsole[] = [];
    const started: { services: ConsoleServices; dataDir: string }[] = [];
    const strict = new Map<OpenedConsole, boolean>();
    try {
      await use(async (opts = {}) => {
        const c = await openConsole(dataRoot, opts, (services, dataDir) => started.push({ services, dataDir }));
        opened.push(c);
        strict.set(c, !opts.expectViolations);
        return c;
      });
    } finally {
      // Even when the test failed or timed out: every browser closed, every service (and its
      // embedded PostgreSQL) stopped, every data directory removed.
      for (const c of opened) await c.close().catch(() => {});
      for (const s of started) await stopServices(s.services, s.dataDir);
      rmSync(dataRoot, { recursive: true, force: true });
    }
    // A console error, an uncaught exception or a CSP violation is a failure even when every
    // assertion passed: the renderer must run cleanly under its policy.
    for (const c of opened)
      if (strict.get(c)) expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
  },
});

export { expect };

/** The notice and consent screen, found the way a person finds it. */
export const consentButton = (page: Page): Locator => page.getByRole('button', { name: 'I acknowledge' });
export const sectionsNav = (page: Page): Locator => page.getByRole('navigation', { name: 'Sections' });

export async function acknowledgeConsent(page: Page): Promise<void> {
  await consentButton(page).click();
  await expect(sectionsNav(page)).toBeVisible();
}

export async function saveScreenshot(page: Page, name: string): Promise<string> {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  // No hover highlight in the picture, and let the colour-scheme switch settle.
  await page.mouse.move(0, 0);
  await page.waitForTimeout(100);
  await page.screenshot({ path, fullPage: false });
  // Also a test artefact, next to the test in the report.
  await test.info().attach(name, { path, contentType: 'image/png' });
  return path;
}
