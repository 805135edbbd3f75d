import { onpremDatabase } from '../../support/onprem-db';
import { migratedOn } from '../../support/pg';
import { chainAppendRights } from '../controlplane/chain-append-rights.suite';

// The chain-append suite on an enclave-shaped server (TLS verify-full, SCRAM only), as on the embedded default.
chainAppendRights(async (prefix) => migratedOn(await onpremDatabase(prefix)));
