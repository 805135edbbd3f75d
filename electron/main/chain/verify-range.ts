import { ArxFailure } from '../../../shared/contract';
import type { Queryable } from '../controlplane/repos/queryable';
import { chainSize, seqRangeOfTimes } from '../controlplane/repos/events';
import type { VerifyOptions, VerifyRange } from './verification';

/** A requested range in seqs (inclusive; `to` null: to the end), and how many stored events it holds. */
export interface ResolvedRange {
  from: number;
  to: number | null;
  fromTime: string | null;
  toTime: string | null;
  total: number;
}

/** The range the options ask for: `range`, else the `from`/`to` shorthands, else everything. */
export function requestedRange(opts: VerifyOptions): VerifyRange {
  if (opts.range) return opts.range;
  return opts.from !== undefined || opts.to !== undefined
    ? { kind: 'seq', from: opts.from ?? 0, to: opts.to ?? null }
    : { kind: 'all' };
}

/**
 * Resolves a range to seqs. A time range is resolved through the events' stored times to the
 * smallest seq range holding every event stored inside it; the chain itself is then checked by seq.
 */
export async function resolveRange(q: Queryable, tenantId: string, requested: VerifyRange): Promise<ResolvedRange> {
  let from = 0;
  let to: number | null = null;
  let fromTime: string | null = null;
  let toTime: string | null = null;
  if (requested.kind === 'seq') {
    from = requested.from;
    to = requested.to;
    if (!Number.isSafeInteger(from) || from < 0 || (to !== null && (!Number.isSafeInteger(to) || to < from))) {
      throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'A seq range needs 0 ≤ from ≤ to.', { path: 'range' });
    }
  } else if (requested.kind === 'time') {
    fromTime = requested.from;
    toTime = requested.to;
    const a = new Date(fromTime);
    const b = new Date(toTime);
    if (Number.isNaN(a.getTime()) || Number.isNaN(b.getTime()) || b < a)
      throw new ArxFailure('AUDIT_VERIFY_RANGE_INVALID', 'A time range needs two times, from ≤ to.', {
        path: 'range',
      });
    const seqs = await seqRangeOfTimes(q, tenantId, fromTime, toTime);
    if (!seqs) {
      throw new ArxFailure('AUDIT_VERIFY_RANGE_EMPTY', `No events between ${fromTime} and ${toTime}.`, {
        path: 'range',
      });
    }
    from = seqs.from;
    to = seqs.to;
  }
  const storedMax = (await chainSize(q, tenantId)) - 1;
  const total = Math.max(0, (to === null ? storedMax : Math.min(to, storedMax)) - from + 1);
  return { from, to, fromTime, toTime, total };
}
