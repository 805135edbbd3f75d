import { onpremDatabase } from '../../support/onprem-db';
import { migratedOn } from '../../support/pg';
import { definerFunctions } from '../controlplane/definer-functions.suite';

// The same suite as on the embedded default, on an enclave-shaped server (TLS verify-full, SCRAM only).
definerFunctions(async (prefix) => migratedOn(await onpremDatabase(prefix)));
