export * from './attestation';
export { COMPANION_ERROR_CODES } from './errors';
export * from './pq-signature';
