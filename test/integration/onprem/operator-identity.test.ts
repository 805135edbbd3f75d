import { onpremDatabase } from '../../support/onprem-db';
import { migratedOn } from '../../support/pg';
import { operatorIdentity } from '../controlplane/operator-identity.suite';

// The same suite as on the embedded default, on an enclave-shaped server (TLS verify-full, SCRAM only).
operatorIdentity(async (prefix) => migratedOn(await onpremDatabase(prefix)));
