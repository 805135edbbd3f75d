export * from './blake3';
export * from './format';
export * from './issues';
export * from './verifier';
export * from './intact';
export * from './meaning';
