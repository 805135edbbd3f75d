import { describe, expect, it } from 'vitest';
import { stableKey } from '../../../electron/main/cache/evidence';

describe('cached evidence keys', () => {
  it('the same query in another key order, or with absent members spelled undefined, is the same key', () => {
    const a = stableKey({
      tenantId: 't',
      filter: { type: 'x', decision: 'deny' },
      sort: { key: 'time', direction: 'desc' },
      cursor: null,
    });
    const b = stableKey({
      cursor: null,
      sort: { direction: 'desc', key: 'time' },
      filter: { decision: 'deny', user: undefined, type: 'x' },
      tenantId: 't',
    });
    expect(a).toBe(b);
  });
  it('a different value, cursor, null or array order is a different key', () => {
    const base = { tenantId: 't', filter: { type: 'x' }, cursor: null as string | null, limit: 50 };
    const k = stableKey(base);
    expect(stableKey({ ...base, limit: 51 })).not.toBe(k);
    expect(stableKey({ ...base, cursor: 'abc' })).not.toBe(k);
    expect(stableKey({ ...base, filter: {} })).not.toBe(k);
    expect(stableKey({ ...base, cursor: undefined })).not.toBe(k); // absent is not null
    expect(stableKey([1, 2])).not.toBe(stableKey([2, 1]));
  });
});
