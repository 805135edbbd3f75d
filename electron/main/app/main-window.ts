import { BrowserWindow, type WebPreferences } from 'electron';
import { APP_ENTRY_URL, mainWindowOptions, type HardenedWebPreferences } from '../shell/window-policy';
import type { IpcAdapter } from './ipc-adapter';

// Compile-time check that every hardened key is a real Electron web preference: a misspelt key
// would otherwise be ignored by Electron and leave the default in force.
type NotElectronKeys = Exclude<keyof HardenedWebPreferences, keyof WebPreferences>;
const everyKeyIsElectrons: [NotElectronKeys] extends [never] ? true : NotElectronKeys = true;
void everyKeyIsElectrons;

/** Opens the console window on `app://arx/` with its own console session. */
export function createMainWindow(opts: { preloadPath: string; devTools: boolean; ipc: IpcAdapter }): BrowserWindow {
  const win = new BrowserWindow(mainWindowOptions(opts.preloadPath, { devTools: opts.devTools }));
  opts.ipc.attach(win.webContents);
  win.once('ready-to-show', () => win.show());
  void win.loadURL(APP_ENTRY_URL);
  return win;
}
