import { describe, expect, it } from 'vitest';
import { ELECTRON_ORIGIN } from '../../../electron/main/shell/renderer-assets';
import {
  APP_ENTRY_URL,
  APP_SCHEME,
  devToolsAllowed,
  isAllowedNavigation,
  isAllowedRequest,
  isTrustedSender,
  mainWindowOptions,
  permissionCheckPolicy,
  permissionRequestPolicy,
  windowOpenPolicy,
  bridgePagePolicy,
} from '../../../electron/main/shell/window-policy';

/** URLs a compromised or confused renderer might try to reach; none is the console's own origin. */
const HOSTILE_URLS = [
  'https://example.com/',
  'http://localhost:5173/',
  'http://127.0.0.1/',
  'https://console.arx.invalid/',
  'file:///etc/passwd',
  'file:///C:/Windows/System32/',
  'javascript:alert(1)',
  'JAVASCRIPT:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'blob:app://arx/0c1d2e3f',
  'about:blank',
  'chrome://settings',
  'devtools://devtools/bundled/inspector.html',
  'ws://127.0.0.1:9222/',
  'app://arx.evil.example/',
  'app://arx@evil.example/',
  'app://evil.example/',
  'app://arx:8080/',
  'app://user:pass@arx/',
  'app:arx/index.html',
  'app:/arx/',
  'app://ARX/',
  'APP://arx/',
  'app://',
  'app://arx',
  ' app://arx/',
  'xapp://arx/',
  'app://arx\\@evil.example/',
  'app://evil.example/app://arx/',
  'https://app://arx/',
  'vbscript:msgbox(1)',
  'mailto:isso@example.mil',
  'smb://fileserver/share',
  '',
] as const;

describe('main window options', () => {
  const opts = mainWindowOptions('/opt/arx/dist/electron/preload.cjs');
  const prefs = opts.webPreferences;

  it('sets every security-relevant web preference to its hardened value', () => {
    expect(prefs).toEqual({
      preload: '/opt/arx/dist/electron/preload.cjs',
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
      devTools: false,
    });
  });

  it('opens DevTools only when the flag says so, and changes nothing else', () => {
    const dev = mainWindowOptions('/p.cjs', { devTools: true }).webPreferences;
    expect(dev.devTools).toBe(true);
    expect({ ...dev, devTools: false, preload: 'x' }).toEqual({
      ...mainWindowOptions('/p.cjs').webPreferences,
      preload: 'x',
    });
  });

  it('is hidden until ready, titled ARX Console, and sized for the console', () => {
    expect(opts.show).toBe(false);
    expect(opts.title).toBe('ARX Console');
    expect(opts.backgroundColor).toMatch(/^#[0-9a-f]{6}$/i);
    expect(opts.width).toBeGreaterThanOrEqual(opts.minWidth);
    expect(opts.height).toBeGreaterThanOrEqual(opts.minHeight);
    expect(opts.minWidth).toBeGreaterThanOrEqual(1024);
  });

  it('allows DevTools only for an unpackaged build with ARX_DEVTOOLS=1', () => {
    expect(devToolsAllowed(false, { ARX_DEVTOOLS: '1' })).toBe(true);
    expect(devToolsAllowed(true, { ARX_DEVTOOLS: '1' })).toBe(false);
    expect(devToolsAllowed(false, {})).toBe(false);
    expect(devToolsAllowed(false, { ARX_DEVTOOLS: 'true' })).toBe(false);
    expect(devToolsAllowed(false, { ARX_DEVTOOLS: '0' })).toBe(false);
  });
});

describe('navigation policy', () => {
  it('serves from the app scheme of renderer-assets.ts', () => {
    expect(APP_SCHEME).toBe('app');
    expect(APP_ENTRY_URL).toBe(`${ELECTRON_ORIGIN}/`);
  });

  it('allows the console origin and its paths', () => {
    for (const url of [
      'app://arx/',
      'app://arx/index.html',
      'app://arx/assets/index-abc123.js',
      'app://arx/#/audit?tenant=a',
      'app://arx/?x=1',
    ]) {
      expect(isAllowedNavigation(url), url).toBe(true);
    }
  });

  it.each(HOSTILE_URLS)('denies %j', (url) => {
    expect(isAllowedNavigation(url)).toBe(false);
    expect(isTrustedSender(url, true)).toBe(false);
    expect(isAllowedRequest(url, { devTools: false })).toBe(false);
  });

  it('denies values that are not strings', () => {
    for (const v of [undefined, null, 42, {}, ['app://arx/'], new URL('app://arx/')])
      expect(isAllowedNavigation(v)).toBe(false);
  });

  it('always denies new windows', () => {
    expect(windowOpenPolicy()).toEqual({ action: 'deny' });
  });

  it('the Chromium bridge closes popups: pages with an opener, or that load anything, but the console', () => {
    const page = { isConsolePage: false, hasOpener: false, loads: false };
    expect(bridgePagePolicy({ ...page, isConsolePage: true, hasOpener: true, loads: true })).toBe('keep');
    expect(bridgePagePolicy({ ...page, hasOpener: true })).toBe('close');
    expect(bridgePagePolicy({ ...page, loads: true })).toBe('close');
    // A blank page opened by whoever drives the browser (a test harness), loading nothing.
    expect(bridgePagePolicy(page)).toBe('keep');
  });
});

describe('permission policy', () => {
  const PERMISSIONS = [
    'media',
    'geolocation',
    'notifications',
    'midi',
    'midiSysex',
    'pointerLock',
    'fullscreen',
    'openExternal',
    'clipboard-read',
    'clipboard-sanitized-write',
    'display-capture',
    'mediaKeySystem',
    'idle-detection',
    'keyboardLock',
    'window-management',
    'storage-access',
    'top-level-storage-access',
    'hid',
    'serial',
    'usb',
    'fileSystem',
    'unknown',
  ];

  it.each(PERMISSIONS)('refuses the request and the check for %s', (permission) => {
    expect(permissionRequestPolicy(permission)).toBe(false);
    expect(permissionCheckPolicy(permission, ELECTRON_ORIGIN)).toBe(false);
    expect(permissionCheckPolicy(permission, 'https://example.com')).toBe(false);
  });
});

describe('request policy (webRequest)', () => {
  it('lets the console load its own assets', () => {
    expect(isAllowedRequest('app://arx/assets/index.js', { devTools: false })).toBe(true);
  });

  it('lets the DevTools front end load only when DevTools are allowed', () => {
    const url = 'devtools://devtools/bundled/devtools_app.html';
    expect(isAllowedRequest(url, { devTools: false })).toBe(false);
    expect(isAllowedRequest(url, { devTools: true })).toBe(true);
    expect(isAllowedRequest('https://chrome-devtools-frontend.appspot.com/', { devTools: true })).toBe(false);
  });
});

describe('IPC sender validation', () => {
  it('trusts the top frame of the console', () => {
    expect(isTrustedSender('app://arx/', true)).toBe(true);
    expect(isTrustedSender('app://arx/index.html#/settings', true)).toBe(true);
  });

  it('refuses a subframe, even of the console origin', () => {
    expect(isTrustedSender('app://arx/', false)).toBe(false);
  });

  it('refuses a destroyed frame or one without a URL', () => {
    expect(isTrustedSender(null, true)).toBe(false);
    expect(isTrustedSender(undefined, true)).toBe(false);
    expect(isTrustedSender('', true)).toBe(false);
    expect(isTrustedSender('about:blank', true)).toBe(false);
  });
});
