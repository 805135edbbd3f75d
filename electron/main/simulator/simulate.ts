import * as cedar from '../policy/cedar-node';
import type pg from 'pg';
import { ArxFailure } from '../../../shared/contract';
import { eventTime, type EventData } from '../../../shared/events';
import {
  compilePolicySet,
  decideGatewayRequest,
  DEFAULT_POLICY_TEXT,
  type GatewayDirectory,
  type PolicyEngine,
} from '../../../shared/policy';
import { ChainWriter, type NewEvent } from '../controlplane/chain-writer';
import { MODELS, population, Rng } from './population';
import { gatewayTraffic, type SimRequest } from './traffic';

export interface SimulateOptions {
  pool: pg.Pool;
  tenantId: string;
  events: number;
  seed: number;
  /** Start of simulated time; events are spread over spanDays from here. */
  start: Date;
  spanDays?: number;
  /** Target events per second; unthrottled when absent. */
  rate?: number;
  /**
   * The policy engine to decide with. Gateway paths (`arx simulate`, the demo) pass the one
   * loadVerifiedPolicy returned (electron/main/policy/gateway-policy.ts): the newest published
   * version whose two signatures verify. Absent, the built-in default policy text is used: test
   * data generation only, never the control plane's policy.
   */
  engine?: PolicyEngine;
  writer?: ChainWriter;
  batchSize?: number;
  onProgress?: (written: number, total: number) => void;
  /** Checkpoints the writer issued; each is recorded as a com.arx.checkpoint.issued event. */
  drainCheckpoints?: () => { size: number; root: Uint8Array }[];
  keyName?: string;
}

/** The directory the simulated gateway resolves users and models with (same seed, same users). */
export function simulatorDirectory(seed: number): GatewayDirectory {
  const users = population(new Rng(seed));
  return {
    users: Object.fromEntries(
      users.map((u) => [
        u.id,
        { clearance: u.clearance, breakGlassEligible: u.clearance === 'secret', teams: [u.team] },
      ]),
    ),
    teams: Object.fromEntries(users.map((u) => [u.team, { organisation: u.organisation }])),
    models: Object.fromEntries(
      MODELS.map((m) => [
        `${m.provider}/${m.model}`,
        { maxClassification: m.maxClassification, jurisdictions: m.jurisdictions, maxTokensPerRequest: 200_000 },
      ]),
    ),
  };
}

export function compileEngine(policyText = DEFAULT_POLICY_TEXT): PolicyEngine {
  const compiled = compilePolicySet(cedar, policyText);
  if (!compiled.ok) throw new ArxFailure(compiled.error.code, `The policy does not compile: ${compiled.error.message}`);
  return compiled.value;
}

/**
 * The events one gateway request produces, in order: received, decided, and for a permitted
 * request routed, called (and called again after a provider error), responded, sometimes
 * redacted, returned and costed. Deterministic for the request and the rng state: each step
 * draws from rng in a fixed order, which the demo's and the benches' data depend on.
 */
export function requestEvents(
  req: SimRequest,
  engine: PolicyEngine,
  directory: GatewayDirectory,
  rng: Rng,
): NewEvent[] {
  const rec = new RequestRecorder(req);
  if (recordDecision(rec, req, engine, directory, rng) === 'deny') {
    rec.push(
      'com.arx.response.returned',
      { ...rec.base, status: 'denied', latencyMs: rng.int(2, 9), totalTokens: 0 },
      rec.at(rng.int(1, 5)),
    );
    return rec.events;
  }
  const { completionTokens, latencyMs } = recordProviderCall(rec, req, rng);
  recordResponse(rec, req, rng, completionTokens, latencyMs);
  return rec.events;
}

/** The events of one request as they are recorded, and the clock they are dated by. */
class RequestRecorder {
  readonly events: NewEvent[] = [];
  readonly base: { requestId: string };
  readonly model: Pick<SimRequest['model'], 'provider' | 'model'>;
  readonly time0: string;
  private t: number;
  private micro: number;

  constructor(private readonly req: SimRequest) {
    this.t = req.timeMs;
    this.micro = req.micros;
    this.time0 = eventTime(new Date(this.t), this.micro);
    this.base = { requestId: req.requestId };
    this.model = { provider: req.model.provider, model: req.model.model };
  }

  /** The time advanceMs after the previous event's. */
  at(advanceMs: number): string {
    this.t += advanceMs;
    this.micro = (this.micro + 137) % 1000;
    return eventTime(new Date(this.t), this.micro);
  }

  push<T extends NewEvent['type']>(type: T, data: EventData<T>, time: string): void {
    const id = `${this.req.requestId}:${this.events.length}`;
    this.events.push({ type, data, time, subject: this.req.user.id, id });
  }
}

/** The request as the gateway saw it: recorded as received, then decided with its time added. */
function recordDecision(
  rec: RequestRecorder,
  req: SimRequest,
  engine: PolicyEngine,
  directory: GatewayDirectory,
  rng: Rng,
): 'permit' | 'deny' {
  const request = {
    ...rec.base,
    user: req.user.id,
    team: req.user.team,
    ...rec.model,
    classification: req.classification,
    jurisdiction: req.jurisdiction,
    purpose: req.purpose,
    promptTokens: req.promptTokens,
    estimatedCostCents: req.estimatedCostCents,
  };
  rec.push('com.arx.request.received', request, rec.time0);
  const decided = decideGatewayRequest(
    engine,
    {
      ...request,
      time: `${rec.time0.slice(0, 19)}Z`,
      utcOffsetMinutes: 0,
      ...(req.breakGlass ? { breakGlass: { justification: req.breakGlass } } : {}),
    },
    directory,
  );
  if (!decided.ok)
    throw new ArxFailure(decided.error.code, `simulator request ${req.requestId}: ${decided.error.message}`);
  rec.push('com.arx.policy.decided', decided.value.event, rec.at(rng.int(0, 2)));
  return decided.value.decision.decision;
}

/** Routed and called; one call in fifty times out and is called again. */
function recordProviderCall(rec: RequestRecorder, req: SimRequest, rng: Rng) {
  const { base, model } = rec;
  rec.push(
    'com.arx.request.routed',
    { ...base, ...model, region: req.model.region, reason: 'policy-permit' },
    rec.at(rng.int(1, 3)),
  );
  let attempt = 1;
  rec.push('com.arx.provider.called', { ...base, ...model, attempt }, rec.at(rng.int(1, 4)));
  const completionTokens = Math.round(rng.around(req.promptTokens * 0.4, 0.5));
  if (rng.next() < 0.02) {
    rec.push(
      'com.arx.provider.responded',
      { ...base, ...model, status: 'timeout', latencyMs: 30_000, promptTokens: req.promptTokens, completionTokens: 0 },
      rec.at(30_000),
    );
    attempt++;
    rec.push('com.arx.provider.called', { ...base, ...model, attempt }, rec.at(rng.int(50, 250)));
  }
  const latencyMs = Math.round(rng.around(900 + req.promptTokens * 0.3, 0.4));
  rec.push(
    'com.arx.provider.responded',
    { ...base, ...model, status: 'ok', latencyMs, promptTokens: req.promptTokens, completionTokens },
    rec.at(latencyMs),
  );
  return { completionTokens, latencyMs };
}

/** Sometimes redacted, then returned to the user and costed. */
function recordResponse(
  rec: RequestRecorder,
  req: SimRequest,
  rng: Rng,
  completionTokens: number,
  latencyMs: number,
): void {
  const { base, model } = rec;
  if (rng.next() < 0.06) {
    rec.push(
      'com.arx.content.redacted',
      {
        ...base,
        direction: rng.next() < 0.5 ? 'prompt' : 'completion',
        categories: [rng.pick(['pii', 'cui-marking', 'credential', 'phi'])],
        count: rng.int(1, 4),
      },
      rec.at(rng.int(1, 8)),
    );
  }
  rec.push(
    'com.arx.response.returned',
    { ...base, status: 'ok', latencyMs: latencyMs + rng.int(5, 40), totalTokens: req.promptTokens + completionTokens },
    rec.at(rng.int(5, 40)),
  );
  const costCents = Math.ceil(((req.promptTokens + completionTokens) * req.model.centsPer1kTokens) / 1000);
  rec.push(
    'com.arx.cost.recorded',
    {
      ...base,
      user: req.user.id,
      team: req.user.team,
      ...model,
      costCents,
      promptTokens: req.promptTokens,
      completionTokens,
    },
    rec.at(1),
  );
}

/**
 * `arx simulate`: realistic gateway traffic through the real chain writer and the real policy
 * engine, deterministic for a given seed. Writes exactly `events` events, in batches.
 */
export async function simulate(
  opts: SimulateOptions,
): Promise<{ written: number; firstSeq: number | null; lastSeq: number | null }> {
  const engine = opts.engine ?? compileEngine();
  const directory = simulatorDirectory(opts.seed);
  const rng = new Rng(opts.seed ^ 0x5eed);
  const writer = opts.writer ?? new ChainWriter(opts.pool, opts.tenantId, { source: '/arx/simulator/gw-sim' });
  const batchSize = opts.batchSize ?? 1000;
  const budgets = new Map<string, number>();
  const BUDGET_CENTS = 25_000;
  let pending: NewEvent[] = [];
  let written = 0;
  let firstSeq: number | null = null;
  let lastSeq: number | null = null;
  const started = Date.now();

  const flush = async () => {
    if (pending.length === 0) return;
    const r = await writer.append(pending);
    firstSeq ??= r.firstSeq;
    lastSeq = r.lastSeq;
    written += pending.length;
    pending = [];
    opts.onProgress?.(written, opts.events);
    if (opts.rate) {
      const due = started + (written / opts.rate) * 1000;
      const wait = due - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
  };

  // Requests are ~7 events each; ask for enough, and stop at exactly `events`.
  const traffic = gatewayTraffic({
    seed: opts.seed,
    start: opts.start,
    spanDays: opts.spanDays ?? 14,
    requests: Math.ceil(opts.events / 3) + 10,
  });
  for (const req of traffic) {
    const evs = requestEvents(req, engine, directory, rng);
    const cost = evs.find((e) => e.type === 'com.arx.cost.recorded');
    if (cost) {
      const d = cost.data as EventData<'com.arx.cost.recorded'>;
      const period = cost.time!.slice(0, 7);
      const key = `${d.team}/${period}`;
      const before = budgets.get(key) ?? 0;
      const after = before + d.costCents;
      budgets.set(key, after);
      if (before <= BUDGET_CENTS && after > BUDGET_CENTS) {
        evs.push({
          type: 'com.arx.budget.exceeded',
          data: { team: d.team, period, budgetCents: BUDGET_CENTS, spentCents: after, requestId: d.requestId },
          time: cost.time!,
        });
      }
    }
    for (const cp of opts.drainCheckpoints?.() ?? []) {
      evs.unshift({
        type: 'com.arx.checkpoint.issued',
        data: {
          treeSize: cp.size,
          rootSha256: Buffer.from(cp.root).toString('hex'),
          keyName: opts.keyName ?? 'unknown',
        },
        time: evs[0]!.time!,
      });
    }
    for (const e of evs) {
      if (written + pending.length >= opts.events) break;
      pending.push(e);
      if (pending.length >= batchSize) await flush();
    }
    if (written + pending.length >= opts.events) break;
  }
  await flush();
  return { written, firstSeq, lastSeq };
}
