/** Fidelity certificates and decision re-verification records (docs/fidelity-certificates.md). Pure. */
export * from './fidelity';
