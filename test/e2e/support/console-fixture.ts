import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test as base, expect, type Locator, type Page } from '@playwright/test';
import type { ClassificationLevel } from '../../../shared/config/classification';
import { launchChromiumConsole, type ChromiumConsole } from '../../../electron/main/bridge/launch-chromium';
import { loadConfig } from '../../../electron/main/config/config';
import { createConsoleServices, type ConsoleServices } from '../../../electron/main/core/console-services';
import type { OperatorSession } from '../../../shared/contract';
import type { CardBackend } from '../../../electron/main/card/operator-auth';
import { STUB_OPERATOR, withStubOperator } from './fake-card';
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
}

export interface OpenedConsole extends ChromiumConsole {
  services: ConsoleServices;
  /** Console errors, page errors and CSP violations seen since the page loaded. */
  problems: string[];
}

/**
 * Opens ARX Console in headless Chromium through the project's own launcher and bridge, on
 * console services with no control plane (`ARX_CONTROL_PLANE=none`) and a fresh data directory.
 */
async function openConsole(dataRoot: string, opts: ConsoleOptions): Promise<OpenedConsole> {
  const dataDir = mkdtempSync(join(dataRoot, 'console-'));
  const env: Record<string, string> = { ARX_CONTROL_PLANE: 'none', ARX_DATA_DIR: dataDir };
  if (opts.classification) env.ARX_CLASSIFICATION = opts.classification;
  if (opts.caveat !== undefined) {
    const file = join(dataDir, 'arx.json');
    writeFileSync(file, JSON.stringify({ classificationCaveat: opts.caveat }));
    env.ARX_CONFIG = file;
  }
  const real = createConsoleServices(loadConfig(env), () => {}, opts.cardBackend ? { cardBackend: opts.cardBackend } : {});
  const operator = opts.operator === undefined ? STUB_OPERATOR : opts.operator;
  const services = operator ? withStubOperator(real, operator) : real;
  await services.start();
  const ui = await launchChromiumConsole({ services, rendererDir: RENDERER_DIST, headless: true });
  const problems: string[] = [];
  ui.page.on('console', (m) => {
    if (m.type() === 'error') problems.push(`console.${m.type()}: ${m.text()}`);
  });
  ui.page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  await ui.page.emulateMedia({ colorScheme: opts.colorScheme ?? 'light' });
  // The launcher navigated before the listeners above existed; load again so that they see it all.
  await ui.page.reload();
  return { ...ui, services, problems };
}

export const test = base.extend<{ openConsole: (opts?: ConsoleOptions) => Promise<OpenedConsole> }>({
  openConsole: async ({}, use) => {
    const dataRoot = mkdtempSync(join(tmpdir(), 'arx-e2e-'));
    const opened: OpenedConsole[] = [];
    const strict = new Map<OpenedConsole, boolean>();
    await use(async (opts = {}) => {
      const c = await openConsole(dataRoot, opts);
      opened.push(c);
      strict.set(c, !opts.expectViolations);
      return c;
    });
    for (const c of opened) {
      await c.close();
      await c.services.stop();
    }
    rmSync(dataRoot, { recursive: true, force: true });
    // A console error, an uncaught exception or a CSP violation is a failure even when every
    // assertion passed: the renderer must run cleanly under its policy.
    for (const c of opened) if (strict.get(c)) expect(c.problems, 'console errors, page errors or CSP violations').toEqual([]);
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
  return path;
}
