import type { Session, WebContents } from 'electron';
import {
  isAllowedNavigation,
  isAllowedRequest,
  permissionCheckPolicy,
  permissionRequestPolicy,
  windowOpenPolicy,
} from '../shell/window-policy';

/**
 * Wires the policies of shell/window-policy.ts into Electron's hooks (Electron security checklist,
 * items 5 "Handle session permission requests", 13 "Disable or limit navigation", 14 "Disable or
 * limit creation of new windows"). No decision is made here; each one is a tested pure function.
 */
export function hardenSession(ses: Session, opts: { devTools: boolean; log: (line: string) => void }): void {
  ses.setPermissionRequestHandler((_contents, permission, callback) => callback(permissionRequestPolicy(permission)));
  ses.setPermissionCheckHandler((_contents, permission, origin) => permissionCheckPolicy(permission, origin));
  ses.setDevicePermissionHandler(() => false);
  // Spellchecking would fetch hunspell dictionaries from Google's CDN.
  ses.setSpellCheckerEnabled(false);
  // Exports are written by main after a save dialog; the page itself never downloads anything.
  ses.on('will-download', (event) => event.preventDefault());
  ses.webRequest.onBeforeRequest((details, callback) => {
    const allowed = isAllowedRequest(details.url, { devTools: opts.devTools });
    if (!allowed) opts.log(`blocked request: ${details.url.slice(0, 200)}`);
    callback({ cancel: !allowed });
  });
}

/** Applied to every WebContents the app ever creates (`app.on('web-contents-created')`). */
export function guardContents(contents: WebContents, log: (line: string) => void): void {
  const deny = (kind: string) => (event: { url: string; preventDefault(): void }) => {
    if (isAllowedNavigation(event.url)) return;
    event.preventDefault();
    log(`denied ${kind}: ${event.url.slice(0, 200)}`);
  };
  contents.on('will-navigate', deny('navigation'));
  contents.on('will-frame-navigate', deny('frame navigation'));
  contents.on('will-redirect', deny('redirect'));
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    log(`denied new window: ${url.slice(0, 200)}`);
    return windowOpenPolicy();
  });
}
