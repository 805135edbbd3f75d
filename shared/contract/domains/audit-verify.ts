import type { CommandDef } from '../define';

/**
 * Commands of this domain, merged into the contract table (../commands.ts). Keys are
 * "group.method"; the group becomes window.arx.<group>.
 */
export const auditVerifyCommands = {} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const AUDIT_VERIFY_ERROR_CODES = [] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const auditVerifyEvents = {} as const;
