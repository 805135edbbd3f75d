import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { ChainBuilder, genesisHash, nobleBlake3, type Blake3 } from '../../../shared/chain';
import { ArxFailure } from '../../../shared/contract';
import { eventTime, serializeEvent, validateEvent, type ArxEvent, type EventType } from '../../../shared/events';
import { appendEvents, chainHead, expectedWriter, lockChain, type EventColumns } from './repos/events';
import { withTenant } from './tenant-session';

export { lockChain } from './repos/events';

/** An event as a writer receives it: the chain position, tenant and envelope are filled in here. */
export interface NewEvent {
  type: EventType;
  data: unknown;
  subject?: string;
  id?: string;
  /** RFC 3339 with microseconds; defaults to now. */
  time?: string;
}

export interface AppendResult {
  firstSeq: number;
  lastSeq: number;
  /** The chain length after this append. */
  size: number;
  head: Uint8Array;
}

/**
 * Signs console events with the operator's card (docs/events.md, "Writers"): `sign` receives the
 * event's bytes without `arxsig` and returns the signature (ECDSA in DER, or RSA-PSS).
 */
export interface EventSigner {
  /** SHA-256 (hex) of the certificate whose key signs: the event's `arxcert`. */
  certificateSha256: string;
  sign(preimage: Uint8Array): Promise<Uint8Array>;
}

/** Who appends: `writer` is the event's `arxwriter`; without it, the one the control plane expects of the login. */
export interface WriterIdentity {
  writer?: string;
  signer?: EventSigner;
}

/** Called inside the append transaction, with the lock held, after the rows are written. */
export type AfterAppend = (
  client: pg.PoolClient,
  appended: { size: number; head: Uint8Array; hashes: Uint8Array[] },
) => Promise<void>;

/**
 * The audit chain writer (the library the gateway links, and the simulator uses). One writer per
 * chain at a time: each append takes a transaction-scoped advisory lock on the tenant, reads the
 * chain head, and inserts its events with contiguous seq numbers, their digests and links in the
 * same transaction. A writer killed mid-append rolls back whole, so there is no gap, no fork and
 * no duplicate; the (tenant, seq) primary key is the last line of defence against a fork.
 */
export class ChainWriter {
  private readonly b3: Blake3;

  constructor(
    private readonly pool: pg.Pool,
    readonly tenantId: string,
    private readonly opts: { source: string; blake3?: Blake3; afterAppend?: AfterAppend } & WriterIdentity,
  ) {
    this.b3 = opts.blake3 ?? nobleBlake3;
  }

  async append(events: readonly NewEvent[]): Promise<AppendResult> {
    if (events.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Nothing to append.');
    try {
      return await withTenant(this.pool, this.tenantId, async (client) => {
        const { result, hashes } = await this.write(client, events);
        if (this.opts.afterAppend)
          await this.opts.afterAppend(client, { size: result.size, head: result.head, hashes });
        return result;
      });
    } catch (err) {
      throw duplicateIdFailure(err);
    }
  }

  /**
   * Appends inside the caller's transaction (already opened on `client`, with arx.tenant_id set to
   * this tenant): the events commit or roll back with the caller's own writes — a state change and
   * the audit event that records it are one transaction. The chain lock is held until that
   * transaction ends; callers that also lock rows take `lockChain` first (the order every writer
   * uses, so two steps cannot deadlock). afterAppend is not called here.
   */
  async appendIn(client: pg.ClientBase, events: readonly NewEvent[]): Promise<AppendResult> {
    if (events.length === 0) throw new ArxFailure('INVALID_REQUEST', 'Nothing to append.');
    try {
      return (await this.write(client, events)).result;
    } catch (err) {
      throw duplicateIdFailure(err);
    }
  }

  private async write(
    client: pg.ClientBase,
    events: readonly NewEvent[],
  ): Promise<{ result: AppendResult; hashes: Buffer[] }> {
    await lockChain(client, this.tenantId);
    const last = await chainHead(client, this.tenantId);
    const head = last ? { seq: last.seq + 1, prevHash: new Uint8Array(last.chainHash) } : null;
    const writer = this.opts.writer ?? (await expectedWriter(client));
    const at = { tenantId: this.tenantId, source: this.opts.source, writer };
    const signer = this.opts.signer;
    const rows = signer
      ? await prepareSignedRows(this.b3, { ...at, signer }, head, events)
      : prepareRows(this.b3, at, head, events);
    await appendEvents(client, this.tenantId, rows);
    return { result: rows.result, hashes: rows.hashes };
  }

  /** The predecessor of seq 0 for this tenant (for verifiers that start at the beginning). */
  genesis(): Uint8Array {
    return genesisHash(this.b3, this.tenantId);
  }
}

function duplicateIdFailure(err: unknown): unknown {
  const pgErr = err as { code?: string; constraint?: string; message?: string };
  if (pgErr.code === '42501' && pgErr.message?.startsWith('arx: '))
    return new ArxFailure('CHAIN_APPEND_REFUSED', `The control plane refused the append: ${pgErr.message.slice(5)}`);
  if (pgErr.code === '23505' && pgErr.constraint === 'audit_events_tenant_id_event_id_key') {
    return new ArxFailure(
      'EVENT_DUPLICATE_ID',
      'An event with the same id is already in this tenant chain; nothing was written. (The simulator is deterministic: use another --seed to add more traffic.)',
    );
  }
  return err;
}

/** The rows of an append, and where the chain stands after it. */
export interface PreparedRows extends EventColumns {
  result: AppendResult;
}

interface EnvelopeContext {
  tenantId: string;
  source: string;
  writer: string;
  signer?: EventSigner | undefined;
}

/**
 * Validates and serializes `events` as the rows that follow `head` (null: the chain is empty):
 * envelope filled in, exact bytes, digests and links. Nothing is written.
 */
export function prepareRows(
  b3: Blake3,
  at: EnvelopeContext,
  head: { seq: number; prevHash: Uint8Array } | null,
  events: readonly NewEvent[],
): PreparedRows {
  const firstSeq = head ? head.seq : 0;
  return chainRows(
    b3,
    at.tenantId,
    head,
    envelopes(at, firstSeq, events).map((event) => ({ event, bytes: serializeEvent(event) })),
  );
}

/** As prepareRows, each event signed by `at.signer` (under the caller's chain lock: the seq is signed). */
export async function prepareSignedRows(
  b3: Blake3,
  at: EnvelopeContext & { signer: EventSigner },
  head: { seq: number; prevHash: Uint8Array } | null,
  events: readonly NewEvent[],
): Promise<PreparedRows> {
  const signed: { event: ArxEvent; bytes: Uint8Array }[] = [];
  for (const e of envelopes(at, head ? head.seq : 0, events)) {
    const event = { ...e, arxcert: at.signer.certificateSha256 };
    const signature = await at.signer.sign(serializeEvent(event));
    signed.push({ event, bytes: serializeEvent({ ...event, arxsig: Buffer.from(signature).toString('base64') }) });
  }
  return chainRows(b3, at.tenantId, head, signed);
}

function envelopes(at: EnvelopeContext, firstSeq: number, events: readonly NewEvent[]): ArxEvent[] {
  const now = new Date();
  return events.map((e, i) => envelope(e, i, { ...at, seq: firstSeq + i, time: e.time ?? eventTime(now, i % 1000) }));
}

function chainRows(
  b3: Blake3,
  tenantId: string,
  head: { seq: number; prevHash: Uint8Array } | null,
  serialized: readonly { event: ArxEvent; bytes: Uint8Array }[],
): PreparedRows {
  const builder = head ? new ChainBuilder(b3, head) : new ChainBuilder(b3, { tenantId });
  const firstSeq = builder.head.size;
  const cols = { seqs: [] as string[], ids: [] as string[], types: [] as string[], times: [] as string[] };
  const blobs = { bytes: [] as Buffer[], digests: [] as Buffer[], hashes: [] as Buffer[] };
  for (let i = 0; i < serialized.length; i++) {
    const { event: meta, bytes: b } = serialized[i]!;
    const entry = builder.append(b);
    cols.seqs.push(String(firstSeq + i));
    cols.ids.push(meta.id);
    cols.types.push(meta.type);
    cols.times.push(meta.time);
    blobs.bytes.push(Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    blobs.digests.push(Buffer.from(entry.digest));
    blobs.hashes.push(Buffer.from(entry.hash));
  }
  const result = { firstSeq, lastSeq: builder.head.size - 1, size: builder.head.size, head: builder.head.hash };
  return { ...cols, ...blobs, result };
}

/** The CloudEvents envelope around one new event, validated (EVENT_INVALID names the field). */
function envelope(
  e: NewEvent,
  index: number,
  at: { seq: number; tenantId: string; source: string; time: string; writer: string },
) {
  const v = validateEvent({
    specversion: '1.0',
    id: e.id ?? randomUUID(),
    source: at.source,
    type: e.type,
    ...(e.subject !== undefined ? { subject: e.subject } : {}),
    time: at.time,
    datacontenttype: 'application/json',
    sequence: String(at.seq),
    arxtenant: at.tenantId,
    arxwriter: at.writer,
    data: e.data,
  });
  if (!v.ok)
    throw new ArxFailure(
      'EVENT_INVALID',
      `Event ${index} (${String(e.type)}) refused at ${v.issue.path}: ${v.issue.message}`,
      { index, path: v.issue.path },
    );
  return v.event;
}
