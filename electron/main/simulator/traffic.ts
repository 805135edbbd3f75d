import { MODELS, population, Rng, type SimModel, type SimUser } from './population';

export interface SimRequest {
  requestId: string;
  user: SimUser;
  model: SimModel;
  classification: 'public' | 'internal' | 'cui' | 'secret';
  jurisdiction: string;
  purpose: string;
  promptTokens: number;
  estimatedCostCents: number;
  breakGlass: string | null;
  /** Milliseconds since the epoch, and extra microseconds (events carry microsecond times). */
  timeMs: number;
  micros: number;
  anomaly: 'spender' | 'off-hours' | null;
}

const PURPOSES = ['analysis', 'summarisation', 'translation', 'code-review', 'drafting', 'research'];
const JURISDICTIONS = ['US', 'US', 'US', 'US', 'GB', 'DE', 'FR', 'CN'];
const CLASSIFICATION_MIX = ['public', 'internal', 'internal', 'internal', 'cui', 'cui', 'secret'] as const;

const LEVEL = { public: 0, internal: 1, cui: 2, secret: 3 } as const;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const isWorkingHour = (ms: number) => {
  const d = new Date(ms);
  const h = d.getUTCHours();
  const wd = d.getUTCDay();
  return wd >= 1 && wd <= 5 && h >= 7 && h < 19;
};

/**
 * Gateway traffic, deterministic for (seed, start, spanDays): users in teams calling models
 * across the five providers, mostly in working hours, with mixed classifications, token counts
 * and costs, and two planted anomalies a reviewer should find: one user spending about 20x their
 * norm for a day, and an off-hours burst from another.
 */
export function* gatewayTraffic(opts: {
  seed: number;
  start: Date;
  spanDays: number;
  requests: number;
}): Generator<SimRequest> {
  const rng = new Rng(opts.seed);
  const users = population(rng);
  const totalWeight = users.reduce((a, u) => a + u.weight, 0);
  const spender = users[3]!;
  const nightOwl = users[11]!;
  const spanMs = opts.spanDays * DAY;
  const t0 = opts.start.getTime();
  const spenderDay = t0 + Math.floor(opts.spanDays * 0.7) * DAY;
  const burstAt = t0 + Math.floor(opts.spanDays * 0.5) * DAY + 2 * HOUR + 13 * 60_000;
  const burstSize = Math.max(10, Math.round(opts.requests * 0.004));
  // Working-hour share of the span is ~5/7 * 12/24: the mean gap that spreads the requests evenly.
  const meanGap = (spanMs * (5 / 7) * 0.5) / Math.max(1, opts.requests);
  let t = t0;
  let emitted = 0;
  let burstLeft = -1;
  while (emitted < opts.requests) {
    let user: SimUser;
    let anomaly: SimRequest['anomaly'] = null;
    if (burstLeft > 0) {
      burstLeft--;
      t += rng.int(2_000, 40_000);
      user = nightOwl;
      anomaly = 'off-hours';
    } else {
      t += Math.max(1, Math.round(-Math.log(1 - rng.next()) * meanGap));
      if (burstLeft < 0 && t >= burstAt) {
        t = burstAt;
        burstLeft = burstSize;
        continue;
      }
      if (!isWorkingHour(t) && rng.next() > 0.03) continue;
      let r = rng.next() * totalWeight;
      user = users[users.length - 1]!;
      for (const u of users)
        if ((r -= u.weight) <= 0) {
          user = u;
          break;
        }
    }
    const model = rng.pick(MODELS);
    let promptTokens = Math.max(16, Math.round(rng.around(user.typicalTokens, 0.5)));
    if (user === spender && t >= spenderDay && t < spenderDay + DAY) {
      promptTokens *= 20;
      anomaly = 'spender';
    }
    // Most users stay within what they and the model are cleared for; some do not (the denials).
    const ceiling = Math.min(LEVEL[user.clearance], LEVEL[model.maxClassification]);
    const inBounds = CLASSIFICATION_MIX.filter((c) => LEVEL[c] <= ceiling);
    const classification = rng.next() < 0.92 && inBounds.length > 0 ? rng.pick(inBounds) : rng.pick(CLASSIFICATION_MIX);
    const jurisdiction = rng.next() < 0.94 ? rng.pick(model.jurisdictions) : rng.pick(JURISDICTIONS);
    emitted++;
    yield {
      requestId: rng.uuid(),
      user,
      model,
      classification,
      jurisdiction,
      purpose: rng.pick(PURPOSES),
      promptTokens,
      estimatedCostCents: Math.ceil((promptTokens * 1.6 * model.centsPer1kTokens) / 1000),
      breakGlass: classification === 'secret' && rng.next() < 0.2 ? 'mission-critical tasking' : null,
      timeMs: t,
      micros: rng.int(0, 999),
      anomaly,
    };
  }
}
