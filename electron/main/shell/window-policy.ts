import { ELECTRON_ORIGIN } from './renderer-assets';

/**
 * The security posture of the console window, as plain data and plain functions so that every
 * rule is unit-tested without Electron. electron/main/app only wires these into Electron's hooks.
 * Rules follow Electron's security checklist (docs/tutorial/security.md) and DESIGN.md
 * "Security invariants".
 */

/** `app` from `app://arx`: the privileged scheme the renderer is served from. */
export const APP_SCHEME = ELECTRON_ORIGIN.slice(0, ELECTRON_ORIGIN.indexOf(':'));
/** The entry page the window loads. */
export const APP_ENTRY_URL = `${ELECTRON_ORIGIN}/`;

/**
 * Every security-relevant web preference, required and typed as a literal: leaving one out or
 * relaxing it is a compile error, not a silent Electron default. Only `devTools` varies, and only
 * through `mainWindowOptions`' explicit flag.
 */
export interface HardenedWebPreferences {
  readonly preload: string;
  readonly contextIsolation: true;
  readonly sandbox: true;
  readonly nodeIntegration: false;
  readonly nodeIntegrationInWorker: false;
  readonly nodeIntegrationInSubFrames: false;
  readonly webSecurity: true;
  readonly allowRunningInsecureContent: false;
  readonly webviewTag: false;
  readonly experimentalFeatures: false;
  readonly enableWebSQL: false;
  readonly plugins: false;
  // Chromium's spellchecker downloads its dictionaries from a Google CDN.
  readonly spellcheck: false;
  readonly navigateOnDragDrop: false;
  readonly safeDialogs: true;
  readonly devTools: boolean;
}

export interface MainWindowOptions {
  readonly title: 'ARX Console';
  readonly width: number;
  readonly height: number;
  readonly minWidth: number;
  readonly minHeight: number;
  /** Shown on `ready-to-show`, so that nobody sees an unstyled flash. */
  readonly show: false;
  readonly backgroundColor: string;
  readonly autoHideMenuBar: true;
  readonly webPreferences: HardenedWebPreferences;
}

export function mainWindowOptions(preloadPath: string, opts: { devTools?: boolean } = {}): MainWindowOptions {
  return {
    title: 'ARX Console',
    width: 1440,
    height: 900,
    minWidth: 1024,
    minHeight: 700,
    show: false,
    backgroundColor: '#1a1b1e',
    autoHideMenuBar: true,
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      enableWebSQL: false,
      plugins: false,
      spellcheck: false,
      navigateOnDragDrop: false,
      safeDialogs: true,
      devTools: opts.devTools === true,
    },
  };
}

/**
 * DevTools only for a developer running an unpackaged build who asked for them; a packaged
 * console never opens them, whatever the environment says.
 */
export function devToolsAllowed(isPackaged: boolean, env: Record<string, string | undefined>): boolean {
  return !isPackaged && env.ARX_DEVTOOLS === '1';
}

/**
 * True only for a URL inside the console's own origin. The prefix test pins the authority to
 * exactly `arx` whatever a URL parser makes of the rest (credentials, ports, backslashes); the
 * parse then rejects anything that is not a well-formed URL.
 */
export function isAllowedNavigation(url: unknown): boolean {
  if (typeof url !== 'string' || !url.startsWith(APP_ENTRY_URL)) return false;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return false;
  }
  return (
    parsed.protocol === `${APP_SCHEME}:` && parsed.host === 'arx' && parsed.username === '' && parsed.password === ''
  );
}

/** The renderer never opens windows, popups or external links (`setWindowOpenHandler`). */
export function windowOpenPolicy(): { action: 'deny' } {
  return { action: 'deny' };
}

/**
 * The Chromium bridge's equivalent of `setWindowOpenHandler`. Chromium opens a renderer's popups
 * (`window.open`, `target=_blank` links) as new pages of the context: with an opener, or, with
 * `noopener`, as a page that loads something. Such a page is closed at once and never served; only
 * the console's own page is kept (a blank page a test harness opens itself loads nothing).
 */
export function bridgePagePolicy(page: {
  isConsolePage: boolean;
  hasOpener: boolean;
  loads: boolean;
}): 'keep' | 'close' {
  if (page.isConsolePage || windowOpenPolicy().action !== 'deny') return 'keep';
  return page.hasOpener || page.loads ? 'close' : 'keep';
}

/**
 * Camera, microphone, notifications, clipboard, HID, serial, USB, … are all refused: the console
 * needs none of them, and the card is reached from main through PKCS#11, never through the page.
 */
export function permissionRequestPolicy(_permission: string): false {
  return false;
}

export function permissionCheckPolicy(_permission: string, _requestingOrigin?: string): false {
  return false;
}

/**
 * What the session lets through (`webRequest.onBeforeRequest`): the console's own origin, and
 * the DevTools front end only when DevTools were allowed. Everything else is cancelled, so even
 * a bug in the renderer cannot reach the network (DESIGN.md: no network but the database).
 */
export function isAllowedRequest(url: string, opts: { devTools: boolean }): boolean {
  if (isAllowedNavigation(url)) return true;
  return opts.devTools && url.startsWith('devtools://devtools/');
}

/**
 * Sender-frame validation for every IPC message, after VS Code's validatedIpcMain: only the top
 * frame of a document from `app://arx` may call into main. A subframe, a page that navigated
 * away, or a destroyed frame (no URL) is refused.
 */
export function isTrustedSender(frameUrl: string | null | undefined, isMainFrame: boolean): boolean {
  return isMainFrame === true && isAllowedNavigation(frameUrl);
}
