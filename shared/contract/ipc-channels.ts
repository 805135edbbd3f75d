import type { CommandName } from './commands';

/**
 * Electron IPC channel names, used by main (electron/main/app/ipc-adapter.ts) and the preload
 * (electron/preload/arx-api.ts) alike: one `arx:<command>` channel per contract command, and one
 * channel that carries every event.
 */
export const IPC_COMMAND_PREFIX = 'arx:';
export const IPC_EVENT_CHANNEL = 'arx:event';

/** The channel of one command. */
export const ipcChannelOf = (name: CommandName): string => IPC_COMMAND_PREFIX + name;
