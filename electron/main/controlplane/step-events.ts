import type pg from 'pg';
import { nobleBlake3, type Blake3 } from '../../../shared/chain';
import { prepareRows, type NewEvent } from './chain-writer';
import { chainHead, eventColumnParams, lockChain } from './repos/events';

/**
 * The rows of a step's one audit event, prepared on the stored chain head under the chain lock
 * (held by the caller's transaction until it ends), in the order the definer functions take them
 * after their own parameters. PostgreSQL has no BLAKE3: the function checks the rows and appends
 * them through arx.append_events, which refuses rows that do not continue the chain.
 */
export async function stepEventRows(
  c: pg.ClientBase,
  tenantId: string,
  source: string,
  event: NewEvent,
  b3: Blake3 = nobleBlake3,
): Promise<unknown[]> {
  await lockChain(c, tenantId);
  const last = await chainHead(c, tenantId);
  const head = last ? { seq: last.seq + 1, prevHash: new Uint8Array(last.chainHash) } : null;
  return eventColumnParams(tenantId, prepareRows(b3, tenantId, source, head, [event])).slice(1);
}
