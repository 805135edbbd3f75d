import { fileURLToPath } from 'node:url';

/** Files the valid request samples name (file arguments are checked on disk before any handler runs). */
const fixtures = fileURLToPath(new URL('../fixtures/files/', import.meta.url));

/** The folders a registry under test binds file arguments to: the bundles folder holds example.arxbundle. */
export const SAMPLE_FOLDERS = { bundles: `${fixtures}bundles` };

/** A small regular file standing in for a recovery private key. */
export const SAMPLE_RECOVERY_KEY = `${fixtures}recovery-sample.pem`;
