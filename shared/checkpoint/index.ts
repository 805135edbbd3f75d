export * from './errors';
export * from './keys';
export * from './note';
export * from './checkpoint';
export * from './tlog-proof';
export * from './series';
