import { migratedDatabase } from '../../support/pg';
import { gatewayKeys } from './gateway-keys.suite';

// On the embedded default; test/integration/onprem/gateway-keys.test.ts runs the same suite on an external server.
gatewayKeys(migratedDatabase);
