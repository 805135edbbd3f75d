import { onpremDatabase } from '../../support/onprem-db';
import { migratedOn } from '../../support/pg';
import { reEnrolment } from '../admin/re-enrolment.suite';

// The same suite as on the embedded default, on an enclave-shaped server (TLS verify-full, SCRAM only).
reEnrolment(async (prefix) => migratedOn(await onpremDatabase(prefix)));
