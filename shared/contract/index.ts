export * from './errors';
export * from './issue-path';
export * from './result';
export * from './commands';
export * from './events';
export * from './api';
