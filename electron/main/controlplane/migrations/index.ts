import { sql as m0001 } from './0001-core';
import { sql as m0002 } from './0002-audit-log';
import { sql as m0003 } from './0003-policies-reviews';
import { sql as m0004 } from './0004-operator-lookup';
import { sql as m0005 } from './0005-policy-lifecycle';
import { sql as m0006 } from './0006-explorer-indexes';
import { sql as m0007 } from './0007-outbox-receipts';
import { sql as m0008 } from './0008-cache-anchors';
import { sql as m0009 } from './0009-chain-append-function';
import { sql as m0010 } from './0010-operator-identities';
import { sql as m0011 } from './0011-definer-functions';
import { sql as m0012 } from './0012-operator-transitional-writes';
import { sql as m0013 } from './0013-administration';
import { sql as m0014 } from './0014-administration-functions';
import { sql as m0015 } from './0015-operator-login-state';
import { sql as m0016 } from './0016-chain-writer-identity';
import { sql as m0017 } from './0017-administration-reads';
import { sql as m0018 } from './0018-operator-definer-only';
import { sql as m0019 } from './0019-console-role-no-append';
import { sql as m0020 } from './0020-administration-enrolment';
import { sql as m0021 } from './0021-operator-re-enrolment';
import { sql as m0022 } from './0022-checkpoint-cosignatures';
import { sql as m0023 } from './0023-operator-scope-once';
import { sql as m0024 } from './0024-operator-scope-tenant';
import { sql as m0025 } from './0025-companion-keys';
import { sql as m0026 } from './0026-certificate-retirement-read';
import { sql as m0027 } from './0027-gateway-key-administration';
import { sql as m0028 } from './0028-signed-close-cutover';
import { sql as m0029 } from './0029-access-review-pages';
import { sql as m0030 } from './0030-operator-tenant-access';
import { sql as m0031 } from './0031-witness-fork-event';

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/**
 * Numbered, forward-only migrations (Signal's NNNN-name convention). Never edit a shipped one:
 * its checksum is recorded, and a changed migration stops `arx db migrate` with
 * DB_MIGRATION_FAILED. Add a new number instead.
 */
export const MIGRATIONS: readonly Migration[] = [
  { version: 1, name: 'core', sql: m0001 },
  { version: 2, name: 'audit-log', sql: m0002 },
  { version: 3, name: 'policies-reviews', sql: m0003 },
  { version: 4, name: 'operator-lookup', sql: m0004 },
  { version: 5, name: 'policy-lifecycle', sql: m0005 },
  { version: 6, name: 'explorer-indexes', sql: m0006 },
  { version: 7, name: 'outbox-receipts', sql: m0007 },
  { version: 8, name: 'cache-anchors', sql: m0008 },
  { version: 9, name: 'chain-append-function', sql: m0009 },
  { version: 10, name: 'operator-identities', sql: m0010 },
  { version: 11, name: 'definer-functions', sql: m0011 },
  { version: 12, name: 'operator-transitional-writes', sql: m0012 },
  { version: 13, name: 'administration', sql: m0013 },
  { version: 14, name: 'administration-functions', sql: m0014 },
  { version: 15, name: 'operator-login-state', sql: m0015 },
  { version: 16, name: 'chain-writer-identity', sql: m0016 },
  { version: 17, name: 'administration-reads', sql: m0017 },
  { version: 18, name: 'operator-definer-only', sql: m0018 },
  { version: 19, name: 'console-role-no-append', sql: m0019 },
  { version: 20, name: 'administration-enrolment', sql: m0020 },
  { version: 21, name: 'operator-re-enrolment', sql: m0021 },
  { version: 22, name: 'checkpoint-cosignatures', sql: m0022 },
  { version: 23, name: 'operator-scope-once', sql: m0023 },
  { version: 24, name: 'operator-scope-tenant', sql: m0024 },
  { version: 25, name: 'companion-keys', sql: m0025 },
  { version: 26, name: 'certificate-retirement-read', sql: m0026 },
  { version: 27, name: 'gateway-key-administration', sql: m0027 },
  { version: 28, name: 'signed-close-cutover', sql: m0028 },
  { version: 29, name: 'access-review-pages', sql: m0029 },
  { version: 30, name: 'operator-tenant-access', sql: m0030 },
  { version: 31, name: 'witness-fork-event', sql: m0031 },
];
