export * from './types';
export * from './cloudevent';
export * from './writer';
