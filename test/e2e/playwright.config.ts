import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from '@playwright/test';

/**
 * End-to-end tests: the real renderer in Debian's Chromium, wired to the real console services
 * through the project's own bridge (electron/main/bridge). No web server, no network listener:
 * the bridge serves the renderer by request interception. Electron-only specs live here too
 * (test/e2e/*.spec.ts) and skip with a stated reason when the Electron binary is absent.
 */
const here = dirname(fileURLToPath(import.meta.url));
const results = join(here, '..', '..', 'test-results');

export default defineConfig({
  testDir: here,
  testMatch: '**/*.spec.ts',
  globalSetup: join(here, 'global-setup.ts'),
  // Not test-results/ itself: Playwright empties its outputDir, and other runners write there.
  outputDir: join(results, 'e2e-artifacts'),
  // Generous: each test starts its own Chromium, and CI machines here are shared.
  timeout: 120_000,
  expect: { timeout: 10_000 },
  fullyParallel: true,
  forbidOnly: !!process.env.CI,
  // One retry in CI only: a test that passes on its retry is counted and named as flaky by
  // test/run-all.mjs, never hidden; one that fails twice fails the run.
  retries: process.env.CI ? 1 : 0,
  reporter: [['list'], ['json', { outputFile: join(results, 'e2e-results.json') }]],
  use: { trace: 'off', screenshot: 'off', video: 'off' },
});
