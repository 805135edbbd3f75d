import { contextBridge, ipcRenderer } from 'electron';
import { createPreloadApi } from './arx-api';

// Sandboxed preload (bundled to dist/electron/preload.cjs): `window.arx` gets named functions
// only; ipcRenderer and its events never reach the page (Electron security checklist, item 20).
contextBridge.exposeInMainWorld('arx', createPreloadApi(ipcRenderer));
