import { describe, expect, it } from 'vitest';
import { demoTrafficStart } from '../../../electron/main/demo/seed-demo';

const DAY = 86_400_000;

describe('the demo traffic start', () => {
  it('is the same Friday 00:00 UTC, 14 to 21 days back, from any hour of a week', () => {
    const friday = Date.UTC(2026, 11, 4); // a Friday
    const starts = new Set<number>();
    for (let h = 0; h < 7 * 24; h++) {
      const now = friday + 14 * DAY + h * 3_600_000 + 1234;
      const start = demoTrafficStart(now);
      starts.add(start.getTime());
      expect(start.getUTCDay()).toBe(5);
      expect(now - start.getTime()).toBeGreaterThanOrEqual(14 * DAY);
      expect(now - start.getTime()).toBeLessThan(21 * DAY);
    }
    expect([...starts]).toEqual([friday]);
  });
});
