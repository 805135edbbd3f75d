import { app, dialog, ipcMain, Menu, protocol, session } from 'electron';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ArxFailure } from '../../../shared/contract';
import { loadConfig } from '../config/config';
import { createConsoleServices } from '../composition/console-services';
import { appProtocolResponse, toFetchResponse } from '../shell/app-protocol';
import { rendererDistDir } from '../shell/renderer-assets';
import { APP_SCHEME, devToolsAllowed } from '../shell/window-policy';
import { guardContents, hardenSession } from './harden-session';
import { registerIpcAdapter } from './ipc-adapter';
import { createMainWindow } from './main-window';
import { utilityProcessLauncher } from './utility-process';

/**
 * Electron entry (bundled to dist/electron/main.mjs). Lifecycle and wiring only: every decision
 * lives in shell/ and core/, where it is tested without Electron. Deliberately absent: autoUpdater,
 * crashReporter.start and any telemetry (DESIGN.md: no network but the control-plane database).
 */
const here = dirname(fileURLToPath(import.meta.url));
const log = (line: string) => {
  if (process.env.ARX_DEBUG) console.error(line);
};

if (!app.requestSingleInstanceLock()) {
  // A second console would fight the first for the embedded database and the card.
  app.exit(0);
} else {
  const devTools = devToolsAllowed(app.isPackaged, process.env);
  app.enableSandbox();
  // Must happen before `ready`. No bypassCSP: the renderer's CSP applies in full.
  // corsEnabled: Vite emits <script type="module" crossorigin>, which Chromium loads in CORS mode.
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true, corsEnabled: true } },
  ]);
  app.on('web-contents-created', (_event, contents) => guardContents(contents, log));
  app.on('window-all-closed', () => app.quit());
  // Any failure while starting ends in one dialog and exit code 2, never an unhandled rejection.
  app
    .whenReady()
    .then(() => start(devTools))
    .catch((err: unknown) => fatal(err));
}

async function start(devTools: boolean): Promise<void> {
  // The default menu links to electronjs.org and toggles DevTools; the console needs neither.
  Menu.setApplicationMenu(null);
  hardenSession(session.defaultSession, { devTools, log });
  const rendererDir = rendererDistDir(here);
  protocol.handle(APP_SCHEME, (request) =>
    toFetchResponse(appProtocolResponse(rendererDir, request.method, request.url), request.method),
  );

  let config;
  try {
    config = loadConfig(process.env, { dataDir: app.getPath('userData') });
  } catch (err) {
    return fatal(err);
  }
  const services = createConsoleServices(config, log, { seedDemo: true, cardLauncher: utilityProcessLauncher });
  const ipc = registerIpcAdapter(ipcMain, services, log);
  void services.start();

  const preloadPath = join(here, 'preload.cjs');
  let win = createMainWindow({ preloadPath, devTools, ipc });
  app.on('second-instance', () => {
    if (win.isDestroyed()) win = createMainWindow({ preloadPath, devTools, ipc });
    if (win.isMinimized()) win.restore();
    win.focus();
  });

  let stopped = false;
  app.on('will-quit', (event) => {
    if (stopped) return;
    // Stop the embedded database cleanly before the process goes.
    event.preventDefault();
    ipc.dispose();
    void services
      .stop()
      .catch((err: unknown) => log(`stopping services: ${String(err)}`))
      .finally(() => {
        stopped = true;
        app.quit();
      });
  });
}

function fatal(err: unknown): void {
  const message =
    err instanceof ArxFailure ? `${err.code}: ${err.message}` : `ARX Console could not start: ${String(err)}`;
  console.error(message);
  dialog.showErrorBox('ARX Console', message);
  app.exit(2);
}
