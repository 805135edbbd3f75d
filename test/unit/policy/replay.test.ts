import { describe, expect, it } from 'vitest';
import { EVENT_DATA } from '../../../shared/events';
import {
  decideGatewayRequest,
  DEFAULT_POLICY_TEXT,
  DEMO_DIRECTORY,
  replayDecision,
  type GatewayRequest,
  type PolicyDecidedData,
} from '../../../shared/policy';
import { baseRequest, compile, unwrap } from './support';

const engine = compile(DEFAULT_POLICY_TEXT);
const roundTrip = (d: PolicyDecidedData): PolicyDecidedData => JSON.parse(JSON.stringify(d)) as PolicyDecidedData;

function record(over: Partial<GatewayRequest>, e = engine): PolicyDecidedData {
  return unwrap(decideGatewayRequest(e, { ...baseRequest, ...over }, DEMO_DIRECTORY)).event;
}

const cases: [string, Partial<GatewayRequest>][] = [
  ['a permit', {}],
  [
    'a deny by several policies',
    { provider: 'openai', model: 'gpt-4o', jurisdiction: 'DE', estimatedCostCents: 999, time: '2025-03-08T17:00:00Z' },
  ],
  ['a default deny', { user: 'dave' }],
  [
    'a break-glass permit with non-ASCII text',
    {
      user: 'alice',
      team: 'research',
      time: '2025-03-08T17:00:00Z',
      purpose: 'Lagebild für 東京 🚀',
      breakGlass: { justification: 'Störfall 4711 — Bereitschaft entschieden' },
    },
  ],
];

describe('the com.arx.policy.decided record', () => {
  it.each(cases)('for %s conforms to the event schema and replays to the same decision after JSON', (_name, over) => {
    const event = record(over);
    expect(EVENT_DATA['com.arx.policy.decided'].safeParse(event).success).toBe(true);
    const again = unwrap(replayDecision(compile(DEFAULT_POLICY_TEXT), roundTrip(event)));
    expect(again.differences).toEqual([]);
    expect(again.matches).toBe(true);
    expect(again.replayed.decision).toBe(event.decision);
    expect(again.replayed.determiningPolicies).toEqual(event.determiningPolicies);
  });

  it('a flagged decision replays with the same errors', () => {
    const text = `${DEFAULT_POLICY_TEXT}@id("zz.overflow") forbid (principal, action, resource) when { context.tokens * 4611686018427387904 > 0 };\n`;
    const e = compile(text);
    const event = record({}, e);
    expect(event.errors.map((x) => x.policyId)).toEqual(['zz.overflow']);
    expect(event.decision).toBe('permit');
    const again = unwrap(replayDecision(compile(text), roundTrip(event)));
    expect(again).toMatchObject({ matches: true, differences: [], replayed: { flagged: true } });
  });

  it('a record that was changed afterwards does not replay to itself', () => {
    const event = roundTrip(record({}));
    const raisedCost = { ...event, context: { ...event.context, estimatedCostCents: 5000 } };
    expect(unwrap(replayDecision(engine, raisedCost))).toMatchObject({
      matches: false,
      differences: ['decision', 'determiningPolicies'],
    });
    const flipped = { ...event, decision: 'deny' as const };
    expect(unwrap(replayDecision(engine, flipped)).differences).toEqual(['decision']);
    const hiddenError = { ...event, errors: [{ policyId: 'arx.cost.default-cap', message: 'x' }] };
    expect(unwrap(replayDecision(engine, hiddenError)).differences).toEqual(['errors']);
  });

  it('is refused for replay by a different policy version', () => {
    const event = record({});
    const other = compile(`${DEFAULT_POLICY_TEXT}\n// a comment changes the version\n`);
    expect(replayDecision(other, event)).toMatchObject({ ok: false, error: { code: 'POLICY_VERSION_MISMATCH' } });
  });

  it('a record that does not fit the schema is refused, not decided', () => {
    const event = roundTrip(record({}));
    const broken = { ...event, context: { ...event.context, localHour: 'noon' } };
    expect(replayDecision(engine, broken)).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    // cedar-wasm throws on this one instead of answering; it must still come back as a value.
    const noContext = { ...event, context: undefined } as unknown as PolicyDecidedData;
    expect(replayDecision(engine, noContext)).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    const notAnEntity = { ...event, entities: [{ uid: 'Arx::User::bob' }] } as unknown as PolicyDecidedData;
    expect(replayDecision(engine, notAnEntity)).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
    for (const junk of [null, {}, { policyVersion: engine.version }, { ...event, errors: 'none' }]) {
      expect(replayDecision(engine, junk as unknown as PolicyDecidedData)).toMatchObject({
        ok: false,
        error: { code: 'POLICY_REQUEST_INVALID' },
      });
    }
  });
});
