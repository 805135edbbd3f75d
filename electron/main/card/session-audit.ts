import { hostname } from 'node:os';
import type pg from 'pg';
import { ChainWriter, type NewEvent, type WriterIdentity } from '../controlplane/chain-writer';
import { recordSessionEvent } from '../controlplane/repos/events';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import type { SessionAuditEvent } from './operator-admission';

/**
 * Writes operator-session events into the audit chain of each tenant concerned, as the operator
 * (their own pool: opened, closed, through arx.record_session_event). A refusal before the operator is known concerns no tenant and
 * has no operator connection; on the embedded default it is written to every tenant through the
 * cluster's admin (the admin can list them), elsewhere it stays in the local log only.
 */
export function sessionAuditWriter(
  operatorPool: () => pg.Pool,
  refusalPool: () => pg.Pool | undefined,
  allTenants: () => Promise<string[]>,
  log: (line: string) => void,
  writerOf: () => WriterIdentity | null = () => null,
) {
  const host =
    hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 64) || 'host';
  const source = `/arx/console/${host}`;
  return async (event: SessionAuditEvent): Promise<void> => {
    const pool = event.tenants.length ? operatorPool() : refusalPool();
    const tenants = event.tenants.length ? event.tenants : pool ? await allTenants().catch(() => []) : [];
    if (!pool || tenants.length === 0) {
      log(`audit (no tenant): ${event.type} ${JSON.stringify(event.data)}`);
      return;
    }
    // A refused login has no operator: the console host names itself (docs/events.md, "Writers").
    const identity =
      event.type === 'com.arx.session.refused'
        ? null
        : event.type === 'com.arx.session.closed' && event.writer
          ? event.writer
          : writerOf();
    const named = 'operatorId' in event.data ? { writer: `operator/${event.data.operatorId}` } : null;
    const who =
      identity && named && identity.writer === named.writer ? identity : (named ?? { writer: `console/${host}` });
    const ev: NewEvent = {
      type: event.type,
      data: event.data,
      subject: 'edipi' in event.data && event.data.edipi ? event.data.edipi : 'unknown',
    };
    for (const t of tenants) {
      if (event.type === 'com.arx.session.refused') {
        await new ChainWriter(pool, t, { source, ...who }).append([ev]);
        continue;
      }
      // The operator's own session: through the definer, the only way an operator appends.
      await withTenant(pool, t, async (c) =>
        recordSessionEvent(c, t, await stepEventRows(c, t, source, ev, undefined, who)),
      );
    }
  };
}
