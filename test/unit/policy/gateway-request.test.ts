import { describe, expect, it } from 'vitest';
import { DEMO_DIRECTORY, localTimeOf, toCedarRequest, type GatewayRequest } from '../../../shared/policy';
import { baseRequest, unwrap } from './support';

describe('local time for off-hours policies', () => {
  it('derives hour and ISO weekday at the enclave offset, across midnight and the week boundary', () => {
    expect(localTimeOf('2025-03-04T14:15:00Z', -300)).toEqual({ localHour: 9, localWeekday: 2 });
    expect(localTimeOf('2025-03-04T02:00:00Z', -300)).toEqual({ localHour: 21, localWeekday: 1 });
    expect(localTimeOf('2025-03-09T23:30:00.123456Z', 60)).toEqual({ localHour: 0, localWeekday: 1 });
    expect(localTimeOf('2025-03-09T23:30:00Z', 0)).toEqual({ localHour: 23, localWeekday: 7 });
    expect(localTimeOf('2025-03-09T20:00:00Z', 330)).toEqual({ localHour: 1, localWeekday: 1 });
  });

  it('refuses dates that do not exist and times that are not RFC 3339 UTC', () => {
    for (const t of [
      '2025-02-30T10:00:00Z',
      '2025-13-01T10:00:00Z',
      '2025-03-04T24:00:00Z',
      '2025-03-04T10:00:00+01:00',
      '2025-03-04 10:00:00Z',
      '',
    ]) {
      expect(localTimeOf(t, 0)).toBeUndefined();
    }
  });
});

describe('toCedarRequest', () => {
  it('builds principal, action, resource, the derived context and the entities with their ancestors', () => {
    const r = unwrap(toCedarRequest({ ...baseRequest, user: 'alice', team: 'research' }, DEMO_DIRECTORY));
    expect(r.principal).toEqual({ type: 'Arx::User', id: 'alice' });
    expect(r.action).toEqual({ type: 'Arx::Action', id: 'InvokeModel' });
    expect(r.resource).toEqual({ type: 'Arx::Model', id: 'anthropic/claude-sonnet-4' });
    expect(r.context).toEqual({
      classification: { __entity: { type: 'Arx::Classification', id: 'cui' } },
      classificationLevel: 2,
      tokens: 1200,
      estimatedCostCents: 40,
      jurisdiction: 'US',
      purpose: 'summarise',
      billingTeam: { __entity: { type: 'Arx::Team', id: 'research' } },
      requestTime: '2025-03-04T14:15:00Z',
      utcOffsetMinutes: -300,
      localHour: 9,
      localWeekday: 2,
    });
    expect(r.entities.map((e) => `${e.uid.type}::${e.uid.id}`)).toEqual([
      'Arx::User::alice',
      'Arx::Model::anthropic/claude-sonnet-4',
      'Arx::Team::intel-analysis',
      'Arx::Team::research',
      'Arx::Organisation::arx-demo',
    ]);
    expect(r.entities[0]).toEqual({
      uid: { type: 'Arx::User', id: 'alice' },
      attrs: { clearanceLevel: 3, breakGlassEligible: true },
      parents: [
        { type: 'Arx::Team', id: 'intel-analysis' },
        { type: 'Arx::Team', id: 'research' },
      ],
    });
  });

  it('records the break-glass justification and its trimmed length in code points', () => {
    const r = unwrap(
      toCedarRequest({ ...baseRequest, breakGlass: { justification: '  Störung 🚀 ' } }, DEMO_DIRECTORY),
    );
    expect(r.context['breakGlass']).toEqual({ justification: '  Störung 🚀 ', justificationLength: 9 });
  });

  it.each<[string, Partial<GatewayRequest> & Record<string, unknown>, string, string]>([
    ['an unknown user', { user: 'mallory' }, 'POLICY_ENTITY_UNKNOWN', 'user'],
    ['a user name that is an Object.prototype member', { user: 'constructor' }, 'POLICY_ENTITY_UNKNOWN', 'user'],
    ['an unknown model', { model: 'claude-9' }, 'POLICY_ENTITY_UNKNOWN', 'model'],
    ['a team the user is not in', { team: 'research' }, 'POLICY_REQUEST_INVALID', 'team'],
    ['an unknown provider', { provider: 'acme' as never }, 'POLICY_REQUEST_INVALID', 'provider'],
    ['a lowercase jurisdiction', { jurisdiction: 'us' }, 'POLICY_REQUEST_INVALID', 'jurisdiction'],
    ['a fractional cost', { estimatedCostCents: 1.5 }, 'POLICY_REQUEST_INVALID', 'estimatedCostCents'],
    ['a cost beyond 2^53', { estimatedCostCents: 2 ** 53 }, 'POLICY_REQUEST_INVALID', 'estimatedCostCents'],
    ['a local time offset beyond +14:00', { utcOffsetMinutes: 900 }, 'POLICY_REQUEST_INVALID', 'utcOffsetMinutes'],
    ['a date that does not exist', { time: '2025-02-29T10:00:00Z' }, 'POLICY_REQUEST_INVALID', 'time'],
    ['an unexpected field', { sneaky: true }, 'POLICY_REQUEST_INVALID', ''],
    [
      'an empty justification',
      { breakGlass: { justification: '' } },
      'POLICY_REQUEST_INVALID',
      'breakGlass.justification',
    ],
  ])('refuses %s with a code and the field', (_name, over, code, path) => {
    const r = toCedarRequest({ ...baseRequest, ...over }, DEMO_DIRECTORY);
    expect(r).toMatchObject({ ok: false, error: { code, details: { path } } });
  });

  it('a malformed directory entry is an error value, not an exception', () => {
    const broken = {
      ...DEMO_DIRECTORY,
      users: { ...DEMO_DIRECTORY.users, bob: { clearance: 'cui', breakGlassEligible: false } },
    } as never;
    expect(toCedarRequest(baseRequest, broken)).toMatchObject({ ok: false, error: { code: 'POLICY_REQUEST_INVALID' } });
  });

  it('refuses input that is not an object at all', () => {
    for (const input of [null, undefined, 42, 'req', []]) {
      expect(toCedarRequest(input, DEMO_DIRECTORY)).toMatchObject({
        ok: false,
        error: { code: 'POLICY_REQUEST_INVALID' },
      });
    }
  });
});
