import { migratedDatabase } from '../../support/pg';
import { definerFunctions } from './definer-functions.suite';

// On the embedded default; test/integration/onprem/definer-functions.test.ts runs the same suite on an external server.
definerFunctions(migratedDatabase);
