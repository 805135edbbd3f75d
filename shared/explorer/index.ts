export * from './event-check';
export * from './robust';
export * from './labels';
