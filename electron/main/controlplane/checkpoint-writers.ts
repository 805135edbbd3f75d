import {
  authenticateWriters,
  bootstrapRecords,
  referencedCertificates,
  WRITER_WARNINGS,
  WriterCollector,
} from '../pki/writer-auth';
import type { ChainRefusal } from './checkpoint-sync';
import { systemTenant } from './repos/administration';
import { signedCloseCutover, storedRows } from './repos/events';
import { certificatesBySha } from './repos/operators';
import type { Queryable } from './repos/queryable';

const PAGE_ROWS = 2000;

/**
 * Before a checkpoint is signed over rows from..size-1 (those no earlier verified checkpoint
 * covers): every row whose writer can be judged here is (docs/chain-format.md §8.2) — a console or
 * administration event needs a valid card signature by a certificate enrolled for the operator it
 * names, a gateway type must name a gateway. Judged from the stored bytes, with the enrolled
 * certificates (the gateway holds no operator trust anchors: verifiers check those paths). The
 * system chain's bootstrap records (the DBA's, without a card) pass only in the first checkpoint.
 */
export async function writerRefusal(
  q: Queryable,
  tenantId: string,
  from: number,
  size: number,
): Promise<ChainRefusal | null> {
  if (from >= size) return null;
  const rows = new WriterCollector(Number.MAX_SAFE_INTEGER);
  // Writers named before this range: an unnamed event in it is not from before writers were named.
  const before = from > 0 ? (await storedRows(q, tenantId, from - 1, from))[0] : undefined;
  if (before && before.bytes.includes('"arxwriter":"')) rows.firstNamed = from;
  for (let at = from; at < size; at += PAGE_ROWS)
    for (const r of await storedRows(q, tenantId, at, Math.min(size, at + PAGE_ROWS))) rows.push(r.seq, r.bytes);
  if (rows.rows.length === 0) return null;
  const enrolled = await certificatesBySha(q, [...referencedCertificates(rows.rows).keys()]);
  const certificates = new Map(enrolled.map((c) => [c.sha256, { operatorId: c.operatorId, der: c.der }]));
  // The DBA's bootstrap records count only in the system chain, under its first checkpoint (from 0), as verifiers bound them.
  const system = from === 0 && (await systemTenant(q)) === tenantId;
  const bootstrap = system ? bootstrapRecords(rows.rows, size) : new Set<number>();
  const judgement = { bootstrap, unsignedClosesBelow: await signedCloseCutover(q, tenantId) };
  const bad = authenticateWriters(rows.rows, certificates, rows.firstNamed, judgement).find(
    (i) => !WRITER_WARNINGS.has(i.code),
  );
  if (!bad) return null;
  return {
    code: 'EVENT_WRITER_UNAUTHENTICATED',
    seq: bad.seq,
    message: `the writer of seq ${bad.seq} is not authenticated (${bad.message})`,
  };
}
