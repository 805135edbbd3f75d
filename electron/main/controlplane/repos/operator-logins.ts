import { ArxFailure } from '../../../../shared/contract';
import { isUuid } from '../../../../shared/ids';
import type { Queryable } from './queryable';

const VERIFIER = /^SCRAM-SHA-256\$\d+:[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+:[A-Za-z0-9+/=]+$/;

/** The login role of an operator: arx_op_ and the operator id's 32 hex digits. */
export function operatorRoleName(operatorId: string): string {
  if (!isUuid(operatorId)) throw new ArxFailure('INVALID_REQUEST', 'Not an operator id.', { path: 'operatorId' });
  return `arx_op_${operatorId.replace(/-/g, '')}`;
}

export interface OperatorLoginEnrolment {
  operatorId: string;
  /** scramSha256Verifier of the random password; the password itself never reaches the server. */
  scramVerifier: string;
  /** The password wrapped to the operator's card key-management key. */
  wrap: Uint8Array;
  /** SHA-256 of the key-management certificate the wrap is for. */
  wrapKeySha256: Uint8Array;
}

/**
 * Creates an operator's login role (member of arx_operator only) and records its wrapped
 * password. Runs with the DBA's rights (CREATEROLE), in the caller's transaction.
 */
export async function enrolOperatorLogin(admin: Queryable, e: OperatorLoginEnrolment): Promise<string> {
  const role = operatorRoleName(e.operatorId);
  if (!VERIFIER.test(e.scramVerifier)) throw new RangeError('enrolOperatorLogin: not a SCRAM-SHA-256 verifier');
  // Identifiers and the verifier are checked above: both are safe to place in the statement.
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${e.scramVerifier}' IN ROLE arx_operator`);
  await letLoginAdminAlter(admin, role);
  await admin.query(
    'INSERT INTO arx.operator_logins (operator_id, db_role, wrap, wrap_key_sha256) VALUES ($1, $2, $3, $4)',
    [e.operatorId, role, Buffer.from(e.wrap), Buffer.from(e.wrapKeySha256)],
  );
  return role;
}

/**
 * From PostgreSQL 16 a CREATEROLE role alters only the roles it holds ADMIN OPTION on: give it to
 * arx_login_admin (which disables and enables logins), without inheriting the role's rights.
 */
async function letLoginAdminAlter(admin: Queryable, role: string): Promise<void> {
  const v = await admin.query<{ v: string }>(`SELECT current_setting('server_version_num') AS v`);
  if (Number(v.rows[0]!.v) < 160000) return;
  await admin.query(`GRANT ${role} TO arx_login_admin WITH ADMIN OPTION, INHERIT FALSE, SET FALSE`);
}

/**
 * Enrols the operator's login, or, when it exists, rotates it: a new verifier and a new wrap (e.g.
 * for a re-issued card), LOGIN again. Runs with the DBA's rights, in the caller's transaction.
 */
export async function enrolOrRotateOperatorLogin(admin: Queryable, e: OperatorLoginEnrolment): Promise<string> {
  const role = operatorRoleName(e.operatorId);
  if (!VERIFIER.test(e.scramVerifier)) throw new RangeError('enrolOrRotateOperatorLogin: not a SCRAM-SHA-256 verifier');
  const exists = await admin.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [role]);
  if ((exists.rowCount ?? 0) === 0) return enrolOperatorLogin(admin, e);
  await admin.query(`ALTER ROLE ${role} LOGIN PASSWORD '${e.scramVerifier}'`);
  await admin.query(`GRANT arx_operator TO ${role}`);
  await letLoginAdminAlter(admin, role);
  await admin.query(
    `INSERT INTO arx.operator_logins (operator_id, db_role, wrap, wrap_key_sha256) VALUES ($1, $2, $3, $4)
     ON CONFLICT (operator_id) DO UPDATE SET wrap = EXCLUDED.wrap, wrap_key_sha256 = EXCLUDED.wrap_key_sha256, rotated_at = now()`,
    [e.operatorId, role, Buffer.from(e.wrap), Buffer.from(e.wrapKeySha256)],
  );
  return role;
}

/** The login role of the connection (an operator pool's first query). */
export async function connectedRole(q: Queryable): Promise<string> {
  const r = await q.query<{ u: string }>('SELECT current_user AS u');
  return r.rows[0]!.u;
}

/** Disables an operator: the status, NOLOGIN at once, and their open sessions ended. */
export async function disableOperator(admin: Queryable, operatorId: string): Promise<void> {
  const role = operatorRoleName(operatorId);
  await admin.query(`UPDATE arx.operators SET status = 'disabled' WHERE id = $1`, [operatorId]);
  await admin.query(`ALTER ROLE ${role} NOLOGIN`);
  await admin.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = $1', [role]);
}

/** What a workstation may read before a card login: the wrap of one EDIPI (arx_bootstrap). */
export async function loginWrap(
  bootstrap: Queryable,
  edipi: string,
): Promise<{ dbRole: string; wrap: Uint8Array; wrapKeySha256: Uint8Array } | null> {
  const r = await bootstrap.query<{ db_role: string; wrap: Buffer; wrap_key_sha256: Buffer }>(
    'SELECT db_role, wrap, wrap_key_sha256 FROM arx.login_wrap($1)',
    [edipi],
  );
  const row = r.rows[0];
  return row
    ? { dbRole: row.db_role, wrap: new Uint8Array(row.wrap), wrapKeySha256: new Uint8Array(row.wrap_key_sha256) }
    : null;
}

/** Before a card login: whether an EDIPI's operator has a login and is active or disabled (arx_bootstrap). */
export async function loginState(bootstrap: Queryable, edipi: string): Promise<'active' | 'disabled' | null> {
  const r = await bootstrap.query<{ s: 'active' | 'disabled' | null }>('SELECT arx.login_state($1) AS s', [edipi]);
  return r.rows[0]?.s ?? null;
}

/** Whether the operator has a database login enrolled. */
export async function hasOperatorLogin(q: Queryable, operatorId: string): Promise<boolean> {
  const r = await q.query('SELECT 1 FROM arx.operator_logins WHERE operator_id = $1', [operatorId]);
  return (r.rowCount ?? 0) > 0;
}
