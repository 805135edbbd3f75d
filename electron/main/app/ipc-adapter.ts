import { COMMAND_NAMES, IPC_EVENT_CHANNEL, ipcChannelOf, type Result } from '../../../shared/contract';
import type { ConsoleServices } from '../composition/console-services';
import { ConsoleSession } from '../core/registry';
import { isTrustedSender } from '../shell/window-policy';

/**
 * Electron IPC as one adapter over the handler registry (DESIGN.md, "Processes"): one
 * `ipcMain.handle('arx:<command>')` per contract command, sender-frame validation on every call,
 * one ConsoleSession per window, and hub events forwarded to each window on `arx:event`.
 *
 * The Electron objects are described by the few members used here, so that this file runs under
 * vitest with fakes; main.ts hands in the real ipcMain and WebContents, which tsc checks against
 * these shapes. Channel names come from the contract (shared/contract/ipc-channels.ts), as the
 * preload's do.
 */

export interface SenderFrame {
  readonly url: string;
  readonly parent: unknown;
}

export interface IpcInvokeEvent {
  readonly sender: { readonly id: number };
  /** null once the frame navigated away or was destroyed. */
  readonly senderFrame: SenderFrame | null;
}

export interface IpcMainPort {
  handle(channel: string, listener: (event: IpcInvokeEvent, ...args: unknown[]) => Promise<unknown>): void;
  removeHandler(channel: string): void;
}

export interface WindowContents {
  readonly id: number;
  readonly mainFrame: { readonly url: string };
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

export interface IpcAdapter {
  /** Starts a console session for a window; its IPC is refused until this was called. */
  attach(contents: WindowContents): ConsoleSession;
  dispose(): void;
}

const untrusted: Result<never> = {
  ok: false,
  error: { code: 'UNTRUSTED_SENDER', message: 'Request from an untrusted frame was refused.' },
};

export function registerIpcAdapter(
  ipcMain: IpcMainPort,
  services: ConsoleServices,
  log: (line: string) => void = () => {},
): IpcAdapter {
  const windows = new Map<number, { contents: WindowContents; session: ConsoleSession }>();

  for (const name of COMMAND_NAMES) {
    const channel = ipcChannelOf(name);
    ipcMain.handle(channel, async (event, request) => {
      const entry = windows.get(event.sender.id);
      const frame = event.senderFrame;
      if (!entry || !frame || !isTrustedSender(frame.url, frame.parent === null)) {
        log(`ipc: refused ${channel} from ${frame ? frame.url.slice(0, 200) : 'a destroyed frame'}`);
        return untrusted;
      }
      try {
        return await services.registry.invoke(name, request, { adapter: 'ipc', session: entry.session });
      } catch (err) {
        // The registry returns envelopes by design; this only keeps a bug from crossing as an exception.
        log(`ipc: ${channel} failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
        return {
          ok: false,
          error: { code: 'INTERNAL', message: `Internal error in ${name}.` },
        } satisfies Result<never>;
      }
    });
  }

  const unsubscribe = services.hub.subscribe((event, payload) => {
    for (const { contents } of windows.values()) {
      // A window whose page is no longer the console (navigation is denied, but be sure) gets nothing.
      if (contents.isDestroyed() || !isTrustedSender(contents.mainFrame.url, true)) continue;
      contents.send(IPC_EVENT_CHANNEL, event, payload);
    }
  });

  return {
    attach(contents) {
      const session = new ConsoleSession();
      windows.set(contents.id, { contents, session });
      contents.once('destroyed', () => windows.delete(contents.id));
      return session;
    },
    dispose() {
      unsubscribe();
      for (const name of COMMAND_NAMES) ipcMain.removeHandler(ipcChannelOf(name));
      windows.clear();
    },
  };
}
