import { migratedDatabase } from '../../support/pg';
import { chainAppendRights } from './chain-append-rights.suite';

// On the embedded default; test/integration/onprem/chain-append-rights.test.ts runs the same suite on an external server.
chainAppendRights(migratedDatabase);
