import type { CommandDef } from '../define';

/**
 * Commands of this domain, merged into the contract table (../commands.ts). Keys are
 * "group.method"; the group becomes window.arx.<group>.
 */
export const cacheCommands = {} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const CACHE_ERROR_CODES = [] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const cacheEvents = {} as const;
