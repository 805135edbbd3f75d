import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { EVENT_TYPES, eventTime, serializeEvent, validateEvent, type ArxEvent } from '../../../shared/events';

const tenant = '6f1c2a34-5b6d-4e7f-8a9b-0c1d2e3f4a5b';
const base = {
  specversion: '1.0',
  id: 'evt-1',
  source: '/arx/gateway/gw-1',
  type: 'com.arx.request.received',
  time: '2026-11-25T12:00:00.123456Z',
  datacontenttype: 'application/json',
  sequence: '0',
  arxtenant: tenant,
  data: {
    requestId: 'r-1',
    user: 'u-1',
    team: 't-1',
    provider: 'anthropic',
    model: 'claude-sonnet',
    classification: 'cui',
    jurisdiction: 'US',
    purpose: 'analysis',
    promptTokens: 1200,
    estimatedCostCents: 4,
  },
};

describe('audit events', () => {
  it('there are exactly 35 documented com.arx.* types', () => {
    expect(EVENT_TYPES).toHaveLength(36);
    for (const t of EVENT_TYPES) expect(t).toMatch(/^com\.arx\.[a-z]+\.[a-z]+$/);
  });

  it('docs/events.md lists exactly the types the code knows, with their count', () => {
    const doc = readFileSync(new URL('../../../docs/events.md', import.meta.url), 'utf8');
    const rows = [...doc.matchAll(/^\| `(com\.arx\.[a-z]+\.[a-z]+)` \|/gm)].map((m) => m[1]);
    expect([...rows].sort()).toEqual([...EVENT_TYPES].sort());
    expect(doc).toContain(`## The ${EVENT_TYPES.length} types`);
    expect(doc).toContain(`one of the ${EVENT_TYPES.length} types below`);
  });

  it('accepts a well-formed event', () => {
    const r = validateEvent(base);
    expect(r.ok).toBe(true);
  });

  const cases: [string, unknown, string][] = [
    ['unknown type', { ...base, type: 'com.arx.request.teleported' }, 'type'],
    ['wrong specversion', { ...base, specversion: '0.3' }, 'specversion'],
    ['time without microseconds', { ...base, time: '2026-11-25T12:00:00Z' }, 'time'],
    ['time with an offset', { ...base, time: '2026-11-25T12:00:00.123456+01:00' }, 'time'],
    ['non-numeric sequence', { ...base, sequence: '01' }, 'sequence'],
    ['tenant not a uuid', { ...base, arxtenant: 'alpha' }, 'arxtenant'],
    ['extra envelope attribute', { ...base, secret: 'x' }, 'secret'],
    ['data missing a field', { ...base, data: { ...base.data, team: undefined } }, 'data.team'],
    ['data with a wrong type', { ...base, data: { ...base.data, promptTokens: '1200' } }, 'data.promptTokens'],
    [
      'data with a negative cost',
      { ...base, data: { ...base.data, estimatedCostCents: -1 } },
      'data.estimatedCostCents',
    ],
    ['data with an unknown provider', { ...base, data: { ...base.data, provider: 'acme' } }, 'data.provider'],
    ['data with an extra field', { ...base, data: { ...base.data, prompt: 'the secret prompt' } }, 'data.prompt'],
    [
      'decision with unsorted nested error shape',
      {
        ...base,
        type: 'com.arx.policy.decided',
        data: { requestId: 'r', decision: 'permit', determiningPolicies: [], errors: [{ policyId: 'p', msg: 'x' }] },
      },
      'data.errors[0]',
    ],
  ];
  for (const [what, input, path] of cases) {
    it(`refuses ${what}, naming ${path}`, () => {
      const r = validateEvent(input);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.issue.code).toBe('EVENT_INVALID');
        expect(r.issue.path.startsWith(path)).toBe(true);
      }
    });
  }

  it('serializes with a fixed key order, independent of the input order', () => {
    const r = validateEvent(base);
    if (!r.ok) throw new Error('invalid');
    const shuffled = Object.fromEntries(Object.entries(r.event).reverse()) as unknown as ArxEvent;
    const a = new TextDecoder().decode(serializeEvent(r.event));
    expect(new TextDecoder().decode(serializeEvent(shuffled))).toBe(a);
    expect(a.startsWith('{"specversion":"1.0","id":"evt-1","source":')).toBe(true);
  });

  it('formats microsecond times', () => {
    expect(eventTime(new Date('2026-01-02T03:04:05.678Z'), 9)).toBe('2026-01-02T03:04:05.678009Z');
  });
});
