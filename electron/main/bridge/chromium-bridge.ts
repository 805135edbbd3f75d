import type { BrowserContext, Page, Request } from 'playwright-core';
import { COMMAND_NAMES, EVENT_NAMES } from '../../../shared/contract';
import type { ConsoleServices } from '../composition/console-services';
import { ConsoleSession } from '../core/registry';
import { BRIDGE_ORIGIN, serveRendererAsset } from '../shell/renderer-assets';
import { bridgePagePolicy } from '../shell/window-policy';

/**
 * The page-side half of the bridge, injected before any renderer script runs. It captures the
 * Playwright binding, removes it from `window`, and exposes the same frozen `window.arx` that the
 * Electron preload exposes: one named function per contract command, plus `subscribe`.
 * Plain JavaScript on purpose: it is sent as text to the page.
 */
export function bridgePageScript(commandNames: readonly string[], eventNames: readonly string[]): string {
  return `(() => {
  if (location.origin !== ${JSON.stringify(BRIDGE_ORIGIN)} || window.top !== window) return;
  const invoke = window.__arxInvoke;
  try { delete window.__arxInvoke; } catch {}
  // The console opens no windows (shell/window-policy.ts); the bridge closes any page that appears anyway.
  Object.defineProperty(window, 'open', { value: () => null, writable: false, configurable: false });
  const commandNames = ${JSON.stringify(commandNames)};
  const eventNames = new Set(${JSON.stringify(eventNames)});
  const listeners = new Map();
  const api = {};
  for (const name of commandNames) {
    const [group, method] = name.split('.');
    api[group] ??= {};
    api[group][method] = (request) => invoke(name, request === undefined ? {} : request);
  }
  api.subscribe = (event, listener) => {
    if (!eventNames.has(event) || typeof listener !== 'function') throw new TypeError('unknown event ' + String(event));
    if (!listeners.has(event)) listeners.set(event, new Set());
    listeners.get(event).add(listener);
    return () => listeners.get(event).delete(listener);
  };
  for (const g of Object.values(api)) if (typeof g === 'object') Object.freeze(g);
  Object.defineProperty(window, 'arx', { value: Object.freeze(api), writable: false, configurable: false });
  Object.defineProperty(window, '__arxDispatch', {
    value: (event, payload) => { for (const l of listeners.get(event) ?? []) { try { l(payload); } catch (e) { console.error(e); } } },
    writable: false, configurable: false,
  });
})();`;
}

export interface BridgeHandle {
  session: ConsoleSession;
  /** The console's one page; any other page of the context is closed (bridgePagePolicy). */
  page: Page;
  url: string;
  detach(): void;
}

/**
 * Connects a Chromium browser context to the console services with no network listener at all:
 * the renderer is served by request interception on an origin that cannot resolve, every other
 * request is aborted, and `window.arx` calls travel over Playwright's CDP pipe into the same
 * handler registry that Electron's IPC uses.
 */
export async function attachBridge(
  context: BrowserContext,
  services: ConsoleServices,
  rendererDir: string,
): Promise<BridgeHandle> {
  const session = new ConsoleSession();
  const consolePage = context.pages()[0] ?? (await context.newPage());
  const close = (page: Page) => void page.close().catch(() => {});
  const onPage = (page: Page) =>
    void page.opener().then(
      (opener) =>
        bridgePagePolicy({ isConsolePage: page === consolePage, hasOpener: opener !== null, loads: false }) ===
          'close' && close(page),
      () => {},
    );
  context.on('page', onPage);
  await context.route(
    () => true,
    async (route) => {
      const url = new URL(route.request().url());
      const page = pageOf(route.request());
      if (
        page &&
        bridgePagePolicy({ isConsolePage: page === consolePage, hasOpener: false, loads: true }) === 'close'
      ) {
        close(page);
        return route.abort('blockedbyclient');
      }
      if (url.origin !== BRIDGE_ORIGIN) return route.abort('blockedbyclient');
      const res = serveRendererAsset(rendererDir, url.pathname);
      return route.fulfill({ status: res.status, headers: res.headers, body: res.body });
    },
  );
  await context.exposeBinding('__arxInvoke', async (source, name: unknown, request: unknown) => {
    // Only the console's own top-level document may call in (VS Code's validatedIpcMain, here).
    const frameUrl = source.frame.url();
    const trusted =
      source.page === consolePage &&
      source.frame === source.page.mainFrame() &&
      frameUrl.startsWith(BRIDGE_ORIGIN + '/');
    if (!trusted) {
      return {
        ok: false,
        error: { code: 'UNTRUSTED_SENDER', message: 'Request from an untrusted frame was refused.' },
      };
    }
    return services.registry.invoke(String(name), request, { adapter: 'bridge', session });
  });
  await context.addInitScript({ content: bridgePageScript(COMMAND_NAMES, EVENT_NAMES) });

  const unsubscribe = services.hub.subscribe((event, payload) => {
    void dispatch(consolePage, event, payload);
  });
  return {
    session,
    page: consolePage,
    url: `${BRIDGE_ORIGIN}/`,
    detach: () => {
      unsubscribe();
      context.off('page', onPage);
    },
  };
}

function pageOf(request: Request): Page | null {
  try {
    return request.frame().page();
  } catch {
    return null; // not from a frame (a service worker's; they are blocked)
  }
}

async function dispatch(page: Page, event: string, payload: unknown): Promise<void> {
  if (!page.url().startsWith(BRIDGE_ORIGIN)) return;
  try {
    await page.evaluate(
      ([e, p]) => (window as unknown as { __arxDispatch?: (e: string, p: unknown) => void }).__arxDispatch?.(e, p),
      [event, payload] as const,
    );
  } catch {
    // The page navigated or closed; the next status.get picks the state up.
  }
}
