import { describe, expect, it } from 'vitest';
import { nextCheckDelayMs } from '../../../electron/main/controlplane/reconnect';

describe('reconnect backoff', () => {
  it('checks at the normal interval while connected, then doubles after each failure up to the cap', () => {
    expect(nextCheckDelayMs(0, 3000, 60_000)).toBe(3000);
    expect([1, 2, 3, 4, 5, 6].map((n) => nextCheckDelayMs(n, 3000, 60_000))).toEqual([
      3000, 6000, 12_000, 24_000, 48_000, 60_000,
    ]);
    expect(nextCheckDelayMs(500, 3000, 60_000)).toBe(60_000);
  });
});
