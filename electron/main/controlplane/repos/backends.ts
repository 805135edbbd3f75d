import type { Queryable } from './queryable';

/** Server processes of other connections: how a long statement is interrupted from outside it. */

/** Asks the backend to cancel the statement it is running. */
export async function cancelBackend(q: Queryable, pid: number): Promise<void> {
  await q.query('SELECT pg_cancel_backend($1)', [pid]);
}

/**
 * Terminates the backend and waits until it has exited, at most `timeoutMs` (PostgreSQL ≥ 14); on a
 * backend that is already gone it answers false with a warning.
 */
export async function terminateBackend(q: Queryable, pid: number, timeoutMs: number): Promise<void> {
  await q.query('SELECT pg_terminate_backend($1, $2)', [pid, timeoutMs]);
}
