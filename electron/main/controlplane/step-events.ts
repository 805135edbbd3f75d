import type pg from 'pg';
import { nobleBlake3, type Blake3 } from '../../../shared/chain';
import { prepareRows, prepareSignedRows, type NewEvent, type WriterIdentity } from './chain-writer';
import { chainHead, eventColumnParams, expectedWriter, lockChain } from './repos/events';

/**
 * The rows of a step's one audit event, prepared on the stored chain head under the chain lock
 * (held by the caller's transaction until it ends), in the order the definer functions take them
 * after their own parameters. PostgreSQL has no BLAKE3: the function checks the rows and appends
 * them through arx.append_events, which refuses rows that do not continue the chain or name
 * another writer than the login's. `who` names the writer and signs (without it: the writer the
 * control plane expects of the login, unsigned).
 */
export async function stepEventRows(
  c: pg.ClientBase,
  tenantId: string,
  source: string,
  event: NewEvent,
  b3: Blake3 = nobleBlake3,
  who: WriterIdentity = {},
): Promise<unknown[]> {
  await lockChain(c, tenantId);
  const last = await chainHead(c, tenantId);
  const head = last ? { seq: last.seq + 1, prevHash: new Uint8Array(last.chainHash) } : null;
  const at = { tenantId, source, writer: who.writer ?? (await expectedWriter(c)) };
  const rows = who.signer
    ? await prepareSignedRows(b3, { ...at, signer: who.signer }, head, [event])
    : prepareRows(b3, at, head, [event]);
  return eventColumnParams(tenantId, rows).slice(1);
}
