export * from './attestation';
export { COMPANION_ERROR_CODES } from './errors';
