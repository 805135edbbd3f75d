export * from './format';
export * from './tar';
export * from './json';
export * from './events';
export * from './needle';
export * from './envelope';
export * from './pq';
