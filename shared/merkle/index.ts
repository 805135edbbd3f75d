export * from './hash';
export * from './errors';
export * from './verify';
export * from './tree';
export * from './frontier';
