import { migratedDatabase } from '../../support/pg';
import { reEnrolment } from './re-enrolment.suite';

// On the embedded default; test/integration/onprem/re-enrolment.test.ts runs the same suite on an external server.
reEnrolment(migratedDatabase);
