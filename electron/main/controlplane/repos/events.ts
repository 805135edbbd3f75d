import { callDefiner } from './definer-errors';
import type { Queryable } from './queryable';

/**
 * The audit chain's rows (arx.audit_events): its head, appends, stored chain hashes and the
 * lookups the services make by type. Always called inside withTenant (row-level security is the
 * tenant boundary; the tenant_id condition is for the indexes).
 */

/**
 * Takes the tenant chain's append lock for the rest of the caller's transaction (re-entrant: a
 * later append in the same transaction takes it again at no cost).
 */
export async function lockChain(q: Queryable, tenantId: string): Promise<void> {
  await q.query('SELECT pg_advisory_xact_lock(hashtextextended($1, 7))', [`arx-chain:${tenantId}`]);
}

/** The newest row's seq and chain hash, or null on an empty chain. */
export async function chainHead(q: Queryable, tenantId: string): Promise<{ seq: number; chainHash: Buffer } | null> {
  const r = await q.query<{ seq: string; chain_hash: Buffer }>(
    'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 ORDER BY seq DESC LIMIT 1',
    [tenantId],
  );
  const row = r.rows[0];
  return row ? { seq: Number(row.seq), chainHash: row.chain_hash } : null;
}

/** The chain's length (max seq + 1; 0 when empty). */
export async function chainSize(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ n: string | null }>('SELECT max(seq) AS n FROM arx.audit_events WHERE tenant_id = $1', [
    tenantId,
  ]);
  const n = r.rows[0]?.n;
  return n === null || n === undefined ? 0 : Number(n) + 1;
}

/** Rows as the writer built them, column by column, in the order arx.append_events takes them. */
export interface EventColumns {
  seqs: string[];
  ids: string[];
  types: string[];
  times: string[];
  bytes: Buffer[];
  digests: Buffer[];
  hashes: Buffer[];
}

/** The parameters of an append, in the order arx.append_events takes them. */
export const eventColumnParams = (tenantId: string, c: EventColumns): unknown[] => [
  tenantId,
  c.seqs,
  c.ids,
  c.types,
  c.times,
  c.bytes,
  c.digests,
  c.hashes,
];

/** The only way into the log: the database function checks continuity, the bytes and who may write each type. */
export async function appendEvents(q: Queryable, tenantId: string, c: EventColumns): Promise<void> {
  await q.query('SELECT arx.append_events($1, $2, $3, $4, $5, $6, $7, $8)', eventColumnParams(tenantId, c));
}

/**
 * An operator's session opened or closed event, through arx.record_session_event (operators may
 * not call append_events): `rows` are the step's rows after the tenant (controlplane/step-events.ts).
 */
export async function recordSessionEvent(q: Queryable, tenantId: string, rows: readonly unknown[]): Promise<void> {
  await callDefiner(q, 'record_session_event', [tenantId, ...rows]);
}

/**
 * The writer arx.append_events expects the connection's events to name (`gateway/<login role>`,
 * `operator/<id>`); for a login that may name several (the shared console role, a superuser),
 * `gateway/<login role>`, which only a superuser may use.
 */
export async function expectedWriter(q: Queryable): Promise<string> {
  const r = await q.query<{ w: string }>(`SELECT coalesce(arx.expected_writer(), 'gateway/' || session_user) AS w`);
  return r.rows[0]!.w;
}

/** The stored chain hash h_seq, or null. */
export async function chainHashAt(q: Queryable, tenantId: string, seq: number): Promise<Buffer | null> {
  const r = await q.query<{ chain_hash: Buffer }>(
    'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq = $2',
    [tenantId, seq],
  );
  return r.rows[0]?.chain_hash ?? null;
}

/** Stored chain hashes of seq in [from, to), in seq order. */
export async function chainHashes(q: Queryable, tenantId: string, from: number, to: number): Promise<Buffer[]> {
  const r = await q.query<{ chain_hash: Buffer }>(
    'SELECT chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq',
    [tenantId, from, to],
  );
  return r.rows.map((x) => x.chain_hash);
}

/** One page of (seq, chain hash) after `afterSeq` up to `toSeq` inclusive: at most `limit` rows, in seq order. */
export async function chainHashPage(
  q: Queryable,
  tenantId: string,
  afterSeq: number,
  toSeq: number,
  limit: number,
): Promise<{ seq: number; chainHash: Buffer }[]> {
  const r = await q.query<{ seq: string; chain_hash: Buffer }>(
    'SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = $1 AND seq > $2 AND seq <= $3 ORDER BY seq LIMIT $4',
    [tenantId, afterSeq, toSeq, limit],
  );
  return r.rows.map((x) => ({ seq: Number(x.seq), chainHash: x.chain_hash }));
}

const DECIDED = 'com.arx.policy.decided';

/** Events typed com.arx.policy.decided with seq in [from, to] (the progress bar's estimate). */
export async function decidedCountInRange(q: Queryable, tenantId: string, from: number, to: number): Promise<number> {
  const r = await q.query<{ n: string }>(
    'SELECT count(*) AS n FROM arx.audit_events WHERE tenant_id = $1 AND type = $2 AND seq BETWEEN $3 AND $4',
    [tenantId, DECIDED, from, to],
  );
  return Number(r.rows[0]!.n);
}

/** A tenant id as a literal for COPY, which binds no parameters: only uuid characters are kept. */
export const tenantLiteral = (tenantId: string): string => `'${tenantId.replace(/[^0-9a-f-]/g, '')}'`;

/** The binary COPY of (seq, bytes, event_digest, chain_hash), seq from..to inclusive (null: to the end), in seq order. */
export function chainRowsCopySql(tenantId: string, from: number, to: number | null): string {
  return `SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events
    WHERE tenant_id = ${tenantLiteral(tenantId)} AND seq >= ${Math.trunc(from)}${to === null ? '' : ` AND seq <= ${Math.trunc(to)}`}
    ORDER BY seq`;
}

/** The binary COPY of (seq, chain_hash) before seq `before`, in seq order. */
export function chainHashesBeforeCopySql(tenantId: string, before: number): string {
  return `SELECT seq, chain_hash FROM arx.audit_events WHERE tenant_id = ${tenantLiteral(tenantId)} AND seq < ${Math.trunc(before)} ORDER BY seq`;
}

/**
 * The binary COPY of (seq, event_id, bytes, is-decided-type) for seq in [from, to]: the rows typed
 * as decisions and, by their bytes, any decision filed under another type. COPY takes no bound
 * parameters, so the values are inlined from a checked uuid and integers.
 */
export function decisionRowsCopySql(tenantId: string, from: number, to: number): string {
  const marker = `'\\x${Buffer.from(`"type":"${DECIDED}"`).toString('hex')}'::bytea`;
  return `SELECT seq, event_id, bytes, type = '${DECIDED}' FROM arx.audit_events
        WHERE tenant_id = ${tenantLiteral(tenantId)} AND seq >= ${Math.trunc(from)} AND seq <= ${Math.trunc(to)}
          AND (type = '${DECIDED}' OR position(${marker} IN bytes) > 0)
        ORDER BY seq`;
}

/** The chain's length and the times of its oldest and newest events (by event time). */
export async function chainStats(
  q: Queryable,
  tenantId: string,
): Promise<{ size: number; firstTime: Date | null; lastTime: Date | null }> {
  const r = await q.query<{ m: string | null; a: Date | null; z: Date | null }>(
    `SELECT (SELECT max(seq) FROM arx.audit_events WHERE tenant_id = $1) AS m,
            (SELECT min(time) FROM arx.audit_events WHERE tenant_id = $1) AS a,
            (SELECT max(time) FROM arx.audit_events WHERE tenant_id = $1) AS z`,
    [tenantId],
  );
  const st = r.rows[0]!;
  return { size: st.m === null ? 0 : Number(st.m) + 1, firstTime: st.a, lastTime: st.z };
}

/**
 * The smallest seq range holding every event stored with a time in [from, to], or null when none
 * is. The times are passed as text: microseconds survive (a Date keeps milliseconds).
 */
export async function seqRangeOfTimes(
  q: Queryable,
  tenantId: string,
  from: string,
  to: string,
): Promise<{ from: number; to: number } | null> {
  const r = await q.query<{ lo: string | null; hi: string | null }>(
    'SELECT min(seq) AS lo, max(seq) AS hi FROM arx.audit_events WHERE tenant_id = $1 AND time >= $2::timestamptz AND time <= $3::timestamptz',
    [tenantId, from, to],
  );
  const lo = r.rows[0]?.lo ?? null;
  const hi = r.rows[0]?.hi ?? null;
  return lo === null || hi === null ? null : { from: Number(lo), to: Number(hi) };
}

/** Seqs in [from, to] (to null: open) whose jsonb copy differs from the stored bytes, first `limit` of them. */
export async function seqsWithDifferingDoc(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number | null,
  limit: number,
): Promise<number[]> {
  const r = await q.query<{ seq: string }>(
    `SELECT seq FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND ($3::bigint IS NULL OR seq <= $3)
       AND doc IS DISTINCT FROM convert_from(bytes, 'UTF8')::jsonb ORDER BY seq LIMIT $4`,
    [tenantId, from, to, limit],
  );
  return r.rows.map((x) => Number(x.seq));
}

/** The first event that names this policy version (located through the jsonb copy), or null. */
export async function firstSeqNamingPolicyVersion(
  q: Queryable,
  tenantId: string,
  sha256: string,
): Promise<number | null> {
  const r = await q.query<{ seq: string }>(
    `SELECT seq FROM arx.audit_events WHERE tenant_id = $1
       AND (doc->'data'->'policyVersion'->>'sha256' = $2 OR doc->'data'->>'versionSha256' = $2) ORDER BY seq LIMIT 1`,
    [tenantId, sha256],
  );
  return r.rows[0] ? Number(r.rows[0].seq) : null;
}

/** Stored rows of seq in [from, to) with their bytes, digest and link, in seq order. */
export async function storedRows(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
): Promise<{ seq: number; bytes: Buffer; eventDigest: Buffer; chainHash: Buffer }[]> {
  const r = await q.query<{ seq: string; bytes: Buffer; event_digest: Buffer; chain_hash: Buffer }>(
    `SELECT seq, bytes, event_digest, chain_hash FROM arx.audit_events
     WHERE tenant_id = $1 AND seq >= $2 AND seq < $3 ORDER BY seq`,
    [tenantId, from, to],
  );
  return r.rows.map((x) => ({
    seq: Number(x.seq),
    bytes: x.bytes,
    eventDigest: x.event_digest,
    chainHash: x.chain_hash,
  }));
}

/** com.arx.policy.decided events per version digest (the history screen's "decisions produced"). */
export async function decisionCounts(
  q: Queryable,
  tenantId: string,
  shas: readonly string[],
): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  if (shas.length === 0) return out;
  const r = await q.query<{ v: string; n: string }>(
    `SELECT doc->'data'->'policyVersion'->>'sha256' AS v, count(*) AS n FROM arx.audit_events
     WHERE tenant_id = $1 AND type = 'com.arx.policy.decided' AND doc->'data'->'policyVersion'->>'sha256' = ANY($2::text[]) GROUP BY 1`,
    [tenantId, [...shas]],
  );
  for (const row of r.rows) out.set(row.v, Number(row.n));
  return out;
}

/** The newest events of these types whose data names this policy id (at most `limit`). */
export async function eventsNamingPolicy(
  q: Queryable,
  tenantId: string,
  types: readonly string[],
  policyId: string,
  limit: number,
): Promise<{ seq: number; type: string; time: Date; data: Record<string, unknown> }[]> {
  const r = await q.query<{ seq: string; type: string; time: Date; data: Record<string, unknown> }>(
    `SELECT seq, type, time, doc->'data' AS data FROM arx.audit_events
     WHERE tenant_id = $1 AND type = ANY($2::text[]) AND doc->'data'->>'policyId' = $3 ORDER BY seq DESC LIMIT $4`,
    [tenantId, [...types], policyId, limit],
  );
  return r.rows.map((e) => ({ seq: Number(e.seq), type: e.type, time: e.time, data: e.data }));
}

/** The decisions an impact replay reads: the newest N, or those in a time window. */
export type DecisionWindow = { lastDecisions: number } | { fromTime: string; toTime: string };

function decisionWindowSql(tenantId: string, w: DecisionWindow): { where: string; params: unknown[]; limit: string } {
  const where =
    `tenant_id = $1 AND type = 'com.arx.policy.decided'` +
    ('fromTime' in w ? ` AND time >= $2::timestamptz AND time < $3::timestamptz` : '');
  const params: unknown[] = 'fromTime' in w ? [tenantId, w.fromTime, w.toTime] : [tenantId];
  const limit = 'lastDecisions' in w ? ` LIMIT ${Math.floor(w.lastDecisions)}` : '';
  return { where, params, limit };
}

export async function decisionWindowCount(q: Queryable, tenantId: string, w: DecisionWindow): Promise<number> {
  const { where, params, limit } = decisionWindowSql(tenantId, w);
  const r = await q.query<{ n: string }>(
    `SELECT count(*) AS n FROM (SELECT 1 FROM arx.audit_events WHERE ${where}${limit}) x`,
    params,
  );
  return Number(r.rows[0]!.n);
}

/** Opens a cursor over the window's decisions, newest first (seq and JSON text); read it with fetchDecisions. */
export async function openDecisionCursor(q: Queryable, tenantId: string, w: DecisionWindow): Promise<void> {
  const { where, params, limit } = decisionWindowSql(tenantId, w);
  await q.query(
    `DECLARE impact_rows NO SCROLL CURSOR FOR SELECT seq, convert_from(bytes, 'UTF8') AS j FROM arx.audit_events WHERE ${where} ORDER BY seq DESC${limit}`,
    params,
  );
}

export async function fetchDecisions(q: Queryable, n: number): Promise<{ seq: number; json: string }[]> {
  const r = await q.query<{ seq: string; j: string }>(`FETCH ${Math.trunc(n)} FROM impact_rows`);
  return r.rows.map((x) => ({ seq: Number(x.seq), json: x.j }));
}

export async function closeDecisionCursor(q: Queryable): Promise<void> {
  await q.query('CLOSE impact_rows');
}

/** How many events seq [from, to] holds, and their stored bytes in all. */
export async function rangeSize(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
): Promise<{ count: number; bytes: number }> {
  const r = await q.query<{ n: string; bytes: string | null }>(
    `SELECT count(*) AS n, sum(length(bytes)) AS bytes
     FROM arx.audit_events WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3`,
    [tenantId, from, to],
  );
  return { count: Number(r.rows[0]!.n), bytes: Number(r.rows[0]!.bytes ?? 0) };
}

/** The certificates (`arxcert`) the console and administration events of a range name (docs/chain-format.md §8). */
export async function writerCertificatesIn(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
): Promise<string[]> {
  const r = await q.query<{ sha256: string }>(
    `SELECT DISTINCT doc->>'arxcert' AS sha256 FROM arx.audit_events
     WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3 AND doc ? 'arxcert'
       AND type IN (SELECT type FROM arx.event_writers WHERE writer <> 'gateway')`,
    [tenantId, from, to],
  );
  return r.rows.map((x) => x.sha256).filter((x) => /^[0-9a-f]{64}$/.test(x));
}

/** The policy version digests (as written, unchecked) that the decisions of seq [from, to] name. */
export async function policyShasDecidedIn(
  q: Queryable,
  tenantId: string,
  from: number,
  to: number,
): Promise<unknown[]> {
  const r = await q.query<{ sha256: unknown }>(
    `SELECT DISTINCT doc->'data'->'policyVersion'->>'sha256' AS sha256 FROM arx.audit_events
     WHERE tenant_id = $1 AND seq >= $2 AND seq <= $3 AND type = $4`,
    [tenantId, from, to, DECIDED],
  );
  return r.rows.map((x) => x.sha256);
}

/** The chain's signed-close cut-over (migration 0028): unsigned closes below it are from before; 0 when none. */
export async function signedCloseCutover(q: Queryable, tenantId: string): Promise<number> {
  const r = await q.query<{ below_seq: string }>(
    'SELECT below_seq FROM arx.signed_close_cutover WHERE tenant_id = $1',
    [tenantId],
  );
  return r.rows[0] ? Number(r.rows[0].below_seq) : 0;
}
