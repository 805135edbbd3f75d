/** Messages between the impact replay (impact.ts) and its workers (impact-worker.ts). */

export interface FlipCounts {
  permitToDeny: number;
  denyToPermit: number;
}

export interface ImpactExample {
  seq: number;
  eventId: string;
  requestId: string;
  user: string;
  team: string;
  model: string;
  provider: string;
  recorded: 'permit' | 'deny';
  now: 'permit' | 'deny';
  determiningPolicies: string[];
}

export interface ImpactTally {
  replayed: number;
  errors: number;
  flagged: number;
  totals: FlipCounts;
  byTeam: Record<string, FlipCounts>;
  byModel: Record<string, FlipCounts>;
  byProvider: Record<string, FlipCounts>;
  examples: ImpactExample[];
}

/** Requests in the envelope of workers/protocol.ts, each answered with one FromWorker. */
export type ToWorker =
  | { op: 'init'; text: string; schema: string }
  /** Rows: seq and the event's stored JSON bytes (as text). */
  | { op: 'batch'; id: number; seqs: number[]; events: string[] }
  | { op: 'finish' };

export type FromWorker =
  { op: 'ready' } | { op: 'done-batch'; id: number; processed: number } | { op: 'tally'; tally: ImpactTally };

export const MAX_EXAMPLES = 50;

export function emptyTally(): ImpactTally {
  return {
    replayed: 0,
    errors: 0,
    flagged: 0,
    totals: { permitToDeny: 0, denyToPermit: 0 },
    byTeam: {},
    byModel: {},
    byProvider: {},
    examples: [],
  };
}

/** Adds `b` into `a` (examples: the most recent MAX_EXAMPLES by seq, in chain order). */
export function mergeTally(a: ImpactTally, b: ImpactTally): ImpactTally {
  a.replayed += b.replayed;
  a.errors += b.errors;
  a.flagged += b.flagged;
  a.totals.permitToDeny += b.totals.permitToDeny;
  a.totals.denyToPermit += b.totals.denyToPermit;
  for (const k of ['byTeam', 'byModel', 'byProvider'] as const) {
    for (const [key, v] of Object.entries(b[k])) {
      const t = (a[k][key] ??= { permitToDeny: 0, denyToPermit: 0 });
      t.permitToDeny += v.permitToDeny;
      t.denyToPermit += v.denyToPermit;
    }
  }
  a.examples = trimExamples([...a.examples, ...b.examples]);
  return a;
}

export function trimExamples(xs: ImpactExample[]): ImpactExample[] {
  return xs.sort((x, y) => x.seq - y.seq).slice(-MAX_EXAMPLES);
}
