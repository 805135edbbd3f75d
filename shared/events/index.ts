export * from './types';
export * from './cloudevent';
