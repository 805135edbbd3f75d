import {
  IPC_EVENT_CHANNEL,
  buildApi,
  ipcChannelOf,
  isEventName,
  type ArxApi,
  type CommandName,
  type EventName,
  type Result,
} from '../../shared/contract';

/**
 * The preload's side of Electron IPC, apart from the contextBridge call so that it is tested
 * without Electron. Channel names come from the contract (shared/contract/ipc-channels.ts), as
 * main's do.
 */

/** The two ipcRenderer members used; the object itself never reaches the page. */
export interface IpcRendererPort {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const noAnswer: Result<never> = {
  ok: false,
  error: { code: 'INTERNAL', message: 'The console did not answer the request.' },
};

export function createPreloadApi(ipc: IpcRendererPort): ArxApi {
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();

  // One channel for all events; the IpcRendererEvent (with its `sender`) stays in this closure.
  ipc.on(IPC_EVENT_CHANNEL, (_event, name, payload) => {
    if (!isEventName(name)) return;
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(payload);
      } catch (err) {
        console.error(err);
      }
    }
  });

  const invoke = async (name: CommandName, request: unknown): Promise<Result<unknown>> => {
    try {
      // Validation happens in main; undefined becomes {} like the Chromium bridge does.
      return (await ipc.invoke(ipcChannelOf(name), request === undefined ? {} : request)) as Result<unknown>;
    } catch {
      // Nothing is thrown across the boundary (DESIGN.md, "The contract"), not even a lost IPC.
      return noAnswer;
    }
  };

  const subscribe = (event: EventName, listener: (payload: unknown) => void): (() => void) => {
    if (!isEventName(event) || typeof listener !== 'function')
      throw new TypeError(`unknown event ${String(event).slice(0, 80)}`);
    let set = listeners.get(event);
    if (!set) listeners.set(event, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
    };
  };

  const api = buildApi(invoke, subscribe);
  for (const group of Object.values(api)) if (typeof group === 'object') Object.freeze(group);
  return Object.freeze(api);
}
