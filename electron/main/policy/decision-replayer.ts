import { replayDecision, type PolicyDecidedData } from '../../../shared/policy';
import type { ReviewDecisionEntry } from '../../../shared/review';
import { CachingEngine, EngineCache } from './engine-cache';

export { CachingEngine, EngineCache };

/**
 * Evaluates recorded `com.arx.policy.decided` events again with the gateway's own
 * engine (shared/policy: compilePolicySet + replayDecision), one policy version at a time. Runs in
 * the re-verification workers; pure apart from the Cedar bindings, so tests use it inline too.
 *
 * The record is read from the event's stored bytes (the evidence), never from the jsonb copy.
 */

/** A policy version as loaded from the control plane, already checked against its digest by the caller. */
export interface ReplayVersion {
  sha256: string;
  blake3: string;
  text: string;
  schema: string;
  tests: readonly unknown[];
}

/** A decision row: its seq, event id and stored bytes. */
export interface DecisionRow {
  seq: number;
  eventId: string;
  bytes: Uint8Array;
  /** The row's type column says com.arx.policy.decided (rows are also selected when only the bytes say so). */
  columnSaysDecided: boolean;
}

/** What the caller found wrong with a version before replay (missing, or its text does not hash to its digest). */
export interface VersionProblem {
  sha256: string;
  code: 'POLICY_VERSION_MISSING' | 'POLICY_VERSION_ALTERED';
  message: string;
}

/** A replayed decision, with the recorded BLAKE3 of its version (for the list of versions involved). */
export type ReplayedDecision = ReviewDecisionEntry & { policyBlake3: string };

export interface ReplayBatchResult {
  total: number;
  matched: number;
  mismatched: number;
  withErrors: number;
  unverifiable: number;
  /** Mismatched and unverifiable decisions. */
  mismatches: ReviewDecisionEntry[];
  /** Decisions whose record carries evaluation errors (matched or not). */
  errored: ReviewDecisionEntry[];
  /** Decisions per policy version as recorded (sha256 → count and recorded blake3). */
  perVersion: Record<string, { count: number; blake3: string }>;
  cacheHits: number;
  /** Evaluations that went through the cache of identical requests (hits + misses). */
  cacheLookups: number;
}

/** A result with nothing counted yet: a batch's start, or a running total's. */
export const emptyReplayResult = (): ReplayBatchResult => ({
  total: 0,
  matched: 0,
  mismatched: 0,
  withErrors: 0,
  unverifiable: 0,
  mismatches: [],
  errored: [],
  perVersion: {},
  cacheHits: 0,
  cacheLookups: 0,
});

/**
 * Adds a batch's result to a running total (lists capped later by the caller): the console's
 * re-verification (reverify.ts) and bundle verification's StreamingReplay both merge with it.
 * `keepErrored: false` counts decisions with errors without keeping their entries (a caller that
 * never lists them keeps its memory bounded).
 */
export function mergeReplay(total: ReplayBatchResult, r: ReplayBatchResult, keepErrored = true): void {
  total.total += r.total;
  total.matched += r.matched;
  total.mismatched += r.mismatched;
  total.withErrors += r.withErrors;
  total.unverifiable += r.unverifiable;
  total.cacheHits += r.cacheHits;
  total.cacheLookups += r.cacheLookups;
  for (const m of r.mismatches) total.mismatches.push(m);
  if (keepErrored) for (const e of r.errored) total.errored.push(e);
  for (const [sha, v] of Object.entries(r.perVersion)) {
    const t = (total.perVersion[sha] ??= { count: 0, blake3: v.blake3 });
    t.count += v.count;
  }
}

const DECIDED = 'com.arx.policy.decided';

const defaultEngines = new EngineCache();

export class DecisionReplayer {
  private readonly versions = new Map<string, ReplayVersion>();
  private readonly problems = new Map<string, VersionProblem>();
  private readonly engines = new Map<string, CachingEngine | { code: string; message: string }>();
  private readonly decoder = new TextDecoder('utf-8', { fatal: true });
  private readonly compiled: EngineCache;

  constructor(
    versions: readonly ReplayVersion[],
    problems: readonly VersionProblem[] = [],
    private readonly cacheLimit = 20_000,
    opts: { engines?: EngineCache } = {},
  ) {
    for (const v of versions) this.versions.set(v.sha256, v);
    for (const p of problems) this.problems.set(p.sha256, p);
    this.compiled = opts.engines ?? defaultEngines;
  }

  private engine(sha256: string): CachingEngine | { code: string; message: string } {
    let e = this.engines.get(sha256);
    if (e) return e;
    const problem = this.problems.get(sha256);
    const v = this.versions.get(sha256);
    if (problem) e = { code: problem.code, message: problem.message };
    else if (!v)
      e = { code: 'POLICY_VERSION_MISSING', message: `policy version ${sha256} is not in the control plane` };
    else {
      const c = this.compiled.get(v);
      e = 'engine' in c ? new CachingEngine(c.engine, this.cacheLimit) : c;
    }
    this.engines.set(sha256, e);
    return e;
  }

  /** Decisions looked up in the cache of identical requests (hits + misses), for the hit rate. */
  get cacheLookups(): number {
    let n = 0;
    for (const e of this.engines.values()) if (e instanceof CachingEngine) n += e.lookups;
    return n;
  }

  get cacheHits(): number {
    let n = 0;
    for (const e of this.engines.values()) if (e instanceof CachingEngine) n += e.hits;
    return n;
  }

  replay(rows: readonly DecisionRow[], cap = 1000): ReplayBatchResult {
    const hitsBefore = this.cacheHits;
    const lookupsBefore = this.cacheLookups;
    const out = emptyReplayResult();
    for (const row of rows) {
      const entry = this.replayOne(row);
      if (!entry) continue;
      out.total++;
      if (entry.policySha256 !== '') {
        const v = (out.perVersion[entry.policySha256] ??= { count: 0, blake3: entry.policyBlake3 });
        v.count++;
      }
      if (entry.problem) out.unverifiable++;
      else if (entry.differences.some((d) => d !== 'errorMessages')) out.mismatched++;
      else out.matched++;
      const bad = entry.problem !== null || entry.differences.some((d) => d !== 'errorMessages');
      const flagged = entry.recorded !== null && entry.recorded.errors.length > 0;
      if (!bad && !flagged) continue;
      const { policyBlake3: _b, ...listed } = entry;
      if (bad && out.mismatches.length < cap) out.mismatches.push(listed);
      if (flagged) {
        out.withErrors++;
        if (out.errored.length < cap) out.errored.push(listed);
      }
    }
    out.cacheHits = this.cacheHits - hitsBefore;
    out.cacheLookups = this.cacheLookups - lookupsBefore;
    return out;
  }

  /** One decision; undefined when the stored bytes are not a decision event (the row was only a candidate). */
  replayOne(row: DecisionRow): ReplayedDecision | undefined {
    let event: { type?: unknown; id?: unknown; data?: unknown };
    try {
      event = JSON.parse(this.decoder.decode(row.bytes)) as typeof event;
    } catch (e) {
      return unreadable(
        row,
        'DECISION_RECORD_UNREADABLE',
        `the stored bytes are not UTF-8 JSON: ${(e as Error).message}`,
      );
    }
    if (event === null || typeof event !== 'object' || event.type !== DECIDED) {
      // Rows are selected by the type column or by the bytes; the column is not evidence, the bytes are.
      if (!row.columnSaysDecided) return undefined;
      const found = event && typeof event === 'object' ? String(event.type) : typeof event;
      return unreadable(
        row,
        'DECISION_TYPE_MISMATCH',
        `the row is filed as ${DECIDED} but its stored bytes are a ${found.slice(0, 80)} event`,
      );
    }
    const data = event.data as PolicyDecidedData | undefined;
    const HEX32 = /^[0-9a-f]{64}$/;
    if (
      !data ||
      typeof data !== 'object' ||
      !HEX32.test(String(data.policyVersion?.sha256)) ||
      !HEX32.test(String(data.policyVersion?.blake3)) ||
      !Array.isArray(data.determiningPolicies) ||
      !Array.isArray(data.errors)
    ) {
      return unreadable(
        row,
        'DECISION_RECORD_UNREADABLE',
        'the decision record lacks its policy version, determining policies or errors',
      );
    }
    const recorded = {
      decision: data.decision,
      determiningPolicies: [...data.determiningPolicies],
      errors: data.errors.map((e) => e.policyId),
    };
    const base = {
      seq: row.seq,
      eventId: String(event.id ?? row.eventId),
      requestId: String(data.requestId ?? ''),
      policySha256: data.policyVersion.sha256,
      policyBlake3: data.policyVersion.blake3,
      recorded,
    };
    const engine = this.engine(data.policyVersion.sha256);
    if (!(engine instanceof CachingEngine))
      return { ...base, recomputed: null, differences: [], problem: { code: engine.code, message: engine.message } };
    const r = replayDecision(engine, data);
    if (!r.ok)
      return { ...base, recomputed: null, differences: [], problem: { code: r.error.code, message: r.error.message } };
    const recomputed = {
      decision: r.value.replayed.decision,
      determiningPolicies: r.value.replayed.determiningPolicies,
      errors: r.value.replayed.errors.map((e) => e.policyId),
    };
    // Determining and erroring policies are sets (Cedar's reasons); the console and bundle verification
    // compare them alike, so that one record gets one verdict (docs/fidelity-certificates.md).
    const sortedSame = (a: readonly string[], b: readonly string[]) => {
      const x = [...new Set(a)].sort();
      const y = [...new Set(b)].sort();
      return x.length === y.length && x.every((v, i) => v === y[i]);
    };
    const differences = r.value.differences.filter((d) => {
      if (d === 'determiningPolicies')
        return !sortedSame(r.value.replayed.determiningPolicies, recorded.determiningPolicies);
      if (d === 'errors')
        return !sortedSame(
          r.value.replayed.errors.map((e) => e.policyId),
          recorded.errors,
        );
      return true;
    });
    return { ...base, recomputed, differences, problem: null };
  }
}

function unreadable(row: DecisionRow, code: string, message: string): ReplayedDecision {
  return {
    seq: row.seq,
    eventId: row.eventId,
    requestId: '',
    policySha256: '',
    policyBlake3: '',
    recorded: null,
    recomputed: null,
    differences: [],
    problem: { code, message },
  };
}
