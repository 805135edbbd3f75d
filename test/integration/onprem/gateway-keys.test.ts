import { onpremDatabase } from '../../support/onprem-db';
import { migratedOn } from '../../support/pg';
import { gatewayKeys } from '../admin/gateway-keys.suite';

// The same suite as on the embedded default, on an enclave-shaped server (TLS verify-full, SCRAM only).
gatewayKeys(async (prefix) => migratedOn(await onpremDatabase(prefix)));
