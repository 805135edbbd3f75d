export * from './errors';
export * from './cosignature';
export * from './quorum';
export * from './request';
export * from './witness';
