import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext, Page } from 'playwright-core';
import { ArxFailure } from '../../../shared/contract';
import type { ConsoleServices } from '../composition/console-services';
import { attachBridge, type BridgeHandle } from './chromium-bridge';
import { chromiumSandboxDecision, probeSandboxHost, type SandboxDecision, type SandboxHost } from './chromium-sandbox';

/**
 * Flags that keep Chromium from talking to anyone: no background networking, no component or
 * safe-browsing updates, no sync, no first-run, no crash upload.
 */
export const CHROMIUM_QUIET_FLAGS = [
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--no-default-browser-check',
  '--disable-breakpad',
  '--disable-domain-reliability',
  '--disable-client-side-phishing-detection',
  '--disable-features=Translate,OptimizationHints,MediaRouter,AutofillServerCommunication,InterestFeedContentSuggestions',
  '--metrics-recording-only',
  '--disable-quic',
  '--disable-gpu',
  // No host name or IP literal resolves. Without this, navigating the page to http://127.0.0.1:N/
  // opened TCP connections to N (no bytes sent) before the bridge's interception aborted the
  // request (test/e2e/boundary.spec.ts). The console's own origin is served by interception and
  // never needs DNS.
  '--host-resolver-rules=MAP * ~NOTFOUND',
] as const;

export function chromiumExecutable(env: NodeJS.ProcessEnv = process.env): string {
  const candidates = [env.ARX_CHROMIUM, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(
    (p): p is string => !!p,
  );
  const found = candidates.find((p) => existsSync(p));
  if (!found) {
    throw new ArxFailure(
      'INTERNAL',
      `No Chromium found (tried ${candidates.join(', ')}). Install it with: apt-get install chromium`,
    );
  }
  return found;
}

export interface ChromiumConsole {
  context: BrowserContext;
  page: Page;
  bridge: BridgeHandle;
  /** Whether Chromium kept its sandbox, and why not when it did not. */
  sandbox: SandboxDecision;
  close(): Promise<void>;
}

/** Opens the console in a Chromium window (or headless) wired to `services` through the bridge. */
export async function launchChromiumConsole(opts: {
  services: ConsoleServices;
  rendererDir: string;
  headless: boolean;
  viewport?: { width: number; height: number };
  /** Told once when Chromium cannot keep its sandbox. */
  log?: (line: string) => void;
  /** The host the sandbox decision is made for; this one by default. */
  host?: SandboxHost;
}): Promise<ChromiumConsole> {
  const sandbox = chromiumSandboxDecision(opts.host ?? probeSandboxHost());
  if (!sandbox.sandbox) {
    opts.log?.(sandbox.reason);
    opts.services.setWindowStatus({ sandbox: false, detail: sandbox.reason });
  }
  const profile = mkdtempSync(join(tmpdir(), 'arx-chromium-'));
  const args: string[] = [...CHROMIUM_QUIET_FLAGS];
  if (!opts.headless) args.push('--app=about:blank');
  // Loaded here, not at the top: every `arx` command imports this module (through the launcher),
  // and loading playwright-core was a large share of each command's start-up (docs/benchmarks.md).
  const { chromium } = await import('playwright-core');
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumExecutable(),
    headless: opts.headless,
    args,
    // Playwright adds --no-sandbox unless told otherwise.
    chromiumSandbox: sandbox.sandbox,
    viewport: opts.viewport ?? { width: 1440, height: 900 },
    serviceWorkers: 'block',
    acceptDownloads: false,
    offline: false,
    // The caller stops in order on Ctrl-C (window, profile, database); Playwright's own handlers
    // would kill Chromium and exit the process first.
    handleSIGINT: false,
    handleSIGTERM: false,
  });
  const bridge = await attachBridge(context, opts.services, opts.rendererDir);
  const page = bridge.page;
  await page.goto(bridge.url);
  return {
    context,
    page,
    bridge,
    sandbox,
    async close() {
      bridge.detach();
      await context.close().catch(() => {});
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
