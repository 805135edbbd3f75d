/**
 * The outbox: artifacts signed while the control plane was unreachable, delivered when it is back,
 * exactly once and in order (docs/cache.md, "Outbox").
 *
 * Exactly once: each item has an idempotency key (a UUID made at enqueue). Delivery is ONE
 * PostgreSQL transaction, chain lock held: the kind's definer function (its rows and its audit
 * event) and the receipt row arx.outbox_receipts(tenant, key) through arx.record_outbox_receipt. A second delivery of the same item (the process was
 * killed after the commit and before the local "delivered" mark, or a copy of the cache) finds the
 * receipt, or hits its primary key and rolls back whole: nothing is written twice.
 *
 * In order: items go one at a time in enqueue order; a transient failure (database unreachable)
 * stops the run, so a later item never overtakes an earlier one. Any other failure is the item's
 * own (its data is refused): it is marked rejected with the code, kept for the operator, and the
 * run continues.
 */
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { operatorWriter } from '../../../shared/events';
import type { NewEvent, WriterIdentity } from '../controlplane/chain-writer';
import { hasOutboxReceipt, recordOutboxReceipt, OUTBOX_RECEIPT_KEY } from '../controlplane/repos/outbox-receipts';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import { isTransient } from '../controlplane/transient-failure';
import type { LocalCache, OutboxRow } from './local-cache';

export interface DeliveryPlan {
  /** The tenant whose chain gets the audit events (and whose RLS scope `write` runs in). */
  tenantId: string;
  /** The one audit event the delivery records (appended by the kind's definer function). */
  events: NewEvent[];
  /**
   * The kind's definer function, which writes its rows and appends the one event in `events`
   * itself, given as prepared rows (controlplane/step-events.ts): operators append nothing directly.
   */
  writeWithEvents: (client: pg.PoolClient, eventRows: unknown[]) => Promise<void>;
  /** The operator who signed: the events' writer when the connection has no logged-in writer. */
  operatorId?: string;
  /** Told once the item is stored (by this delivery or an earlier one): e.g. to tell open screens. */
  stored?: () => void;
}

export type Delivery = (
  payload: unknown,
  ctx: { id: string; idempotencyKey: string },
) => Promise<DeliveryPlan> | DeliveryPlan;

/**
 * What the owning service says about its kind beyond delivery. `tenantOf` reads the tenant an item
 * belongs to from its payload (for lists that show one tenant's items); it must not throw — a
 * payload it cannot read gives null — and the outbox turns a throw into null all the same.
 */
export interface KindOptions {
  tenantOf?: (payload: unknown) => string | null;
}

export interface FlushResult {
  delivered: number;
  rejected: number;
  pending: number;
}

export class Outbox {
  private readonly kinds = new Map<string, Delivery>();
  private readonly tenantReaders = new Map<string, (payload: unknown) => string | null>();
  private running: Promise<FlushResult> | null = null;

  constructor(
    private readonly cache: () => LocalCache,
    private readonly pool: () => pg.Pool,
    private readonly source: string,
    private readonly onChange: () => void = () => {},
    /** Who delivers: the logged-in operator, whose card signs the delivered events (docs/chain-format.md §8). */
    private readonly writer: () => WriterIdentity | null = () => null,
  ) {}

  /** The owning service registers how its kind is delivered (once, at start-up). */
  register(kind: string, deliver: Delivery, opts: KindOptions = {}): void {
    if (!/^[a-z][a-z0-9-]*(\.[a-z][a-z0-9-]*)*$/.test(kind) || kind.length > 64)
      throw new ArxFailure('INVALID_REQUEST', `Not an outbox kind: ${kind.slice(0, 64)}`);
    this.kinds.set(kind, deliver);
    if (opts.tenantOf) this.tenantReaders.set(kind, opts.tenantOf);
    else this.tenantReaders.delete(kind);
  }

  /**
   * The tenant an item belongs to, as its kind's service reads it: null for an unreadable payload,
   * a kind whose service is not loaded or says nothing, or a reader that fails.
   */
  tenantOf(item: Pick<OutboxRow, 'kind' | 'payload' | 'unreadable'>): string | null {
    if (item.unreadable) return null;
    const read = this.tenantReaders.get(item.kind);
    if (!read) return null;
    try {
      const t = read(item.payload);
      return typeof t === 'string' && t.length > 0 ? t : null;
    } catch {
      return null;
    }
  }

  /** Queues a signed artifact (sealed in the cache). CACHE_LOCKED without an unlocked cache. */
  enqueue(
    kind: string,
    payload: unknown,
    opts: { summary?: string } = {},
  ): { id: string; idempotencyKey: string; seq: number } {
    if (!this.kinds.has(kind))
      throw new ArxFailure('CACHE_OUTBOX_KIND_UNKNOWN', `No delivery is registered for outbox items of kind ${kind}.`, {
        kind,
      });
    const r = this.cache().enqueue(kind, payload, opts.summary ?? null);
    this.onChange();
    return r;
  }

  /** Delivers the pending items in order; one run at a time (a second caller waits for the first). */
  flush(): Promise<FlushResult> {
    this.running ??= this.run().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async run(): Promise<FlushResult> {
    const cache = this.cache();
    let delivered = 0;
    let rejected = 0;
    try {
      for (const item of cache.outbox({ state: 'pending' })) {
        if (item.unreadable) continue; // kept for the operator; a rebuild keeps it listed
        const deliver = this.kinds.get(item.kind);
        if (!deliver) continue; // its service is not loaded in this process: wait for it
        try {
          const plan = await deliver(item.payload, { id: item.id, idempotencyKey: item.idempotencyKey });
          await deliverOnce(this.pool(), this.source, item.kind, item.idempotencyKey, plan, this.writer() ?? {});
          cache.settle(item.id, 'delivered', null);
          delivered++;
          plan.stored?.();
        } catch (err) {
          if (isTransient(err)) break;
          const problem =
            err instanceof ArxFailure
              ? { code: err.code, message: err.message }
              : { code: 'INTERNAL', message: `Delivery failed: ${(err as Error).message?.slice(0, 200) ?? 'error'}` };
          cache.settle(item.id, 'rejected', problem);
          rejected++;
        }
      }
    } finally {
      if (delivered || rejected) this.onChange();
    }
    return { delivered, rejected, pending: cache.outbox({ state: 'pending' }).length };
  }
}

/**
 * One delivery transaction (see the file comment). Returns 'duplicate' when the receipt shows that
 * this item was delivered before (nothing is written again).
 */
export async function deliverOnce(
  pool: pg.Pool,
  source: string,
  kind: string,
  idempotencyKey: string,
  plan: DeliveryPlan,
  who: WriterIdentity = {},
): Promise<'delivered' | 'duplicate'> {
  if (plan.events.length === 0)
    throw new ArxFailure('INVALID_REQUEST', `An outbox delivery of ${kind} must record at least one audit event.`);
  const seen = await withTenant(pool, plan.tenantId, (c) => hasOutboxReceipt(c, plan.tenantId, idempotencyKey));
  if (seen) return 'duplicate';
  // Without a logged-in writer (a shared console connection): the operator who signed the item.
  if (who.writer === undefined && plan.operatorId) who = { ...who, writer: operatorWriter(plan.operatorId) };
  try {
    await withTenant(pool, plan.tenantId, async (client) => {
      if (plan.events.length !== 1) throw new ArxFailure('INVALID_REQUEST', `A delivery of ${kind} records one event.`);
      const rows = await stepEventRows(client, plan.tenantId, source, plan.events[0]!, undefined, who);
      await plan.writeWithEvents(client, rows);
      const firstSeq = Number((rows[0] as string[])[0]);
      await recordOutboxReceipt(client, { tenantId: plan.tenantId, idempotencyKey, kind, firstSeq });
    });
    return 'delivered';
  } catch (err) {
    const e = err as { code?: string; constraint?: string };
    if (e.code === '23505' && e.constraint === OUTBOX_RECEIPT_KEY) return 'duplicate';
    // Deterministic event ids of a concurrent delivery of the same item: the receipt tells.
    const duplicateId =
      (err instanceof ArxFailure && err.code === 'EVENT_DUPLICATE_ID') ||
      (e.code === '23505' && e.constraint === 'audit_events_tenant_id_event_id_key');
    if (duplicateId) {
      const again = await withTenant(pool, plan.tenantId, (c) => hasOutboxReceipt(c, plan.tenantId, idempotencyKey));
      if (again) return 'duplicate';
    }
    throw err;
  }
}
