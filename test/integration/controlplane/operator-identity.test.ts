import { migratedDatabase } from '../../support/pg';
import { operatorIdentity } from './operator-identity.suite';

// On the embedded default; test/integration/onprem/operator-identity.test.ts runs the same suite on an external server.
operatorIdentity(migratedDatabase);
