export * from './errors';
export * from './result';
export * from './commands';
export * from './events';
export * from './api';
