export * from './errors';
export * from './issue-path';
export * from './result';
export * from './commands';
export * from './events';
export * from './api';
export * from './access';
export { ANY_ROLE, EVIDENCE_READERS, ROLES, type Access, type FileArg, type Role } from './define';
export * from './ipc-channels';
