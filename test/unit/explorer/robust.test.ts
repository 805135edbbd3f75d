import { describe, expect, it } from 'vitest';
import { madScores, median, medianAbsoluteDeviation, upperOutliersBySeries } from '../../../shared/explorer/robust';
import { jsonDifferences, jsonEqual } from '../../../shared/explorer/event-check';
import { reasonLabel } from '../../../shared/explorer/labels';

describe('median and MAD', () => {
  it('median of odd and even counts, unsorted input, not mutated', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('MAD by hand: [1, 1, 2, 2, 4, 6, 9] → median 2, deviations [1,1,0,0,2,4,7] → MAD 1', () => {
    expect(medianAbsoluteDeviation([1, 1, 2, 2, 4, 6, 9])).toBe(1);
  });
});

describe('modified z-scores (Iglewicz–Hoaglin, |M| > 3.5)', () => {
  it('flags the one day a user spent 20× their norm, and none of the ordinary days', () => {
    const days = [110, 95, 130, 102, 88, 120, 99, 2100, 105, 93];
    const s = madScores(days);
    expect(s.map((x) => x.outlier)).toEqual(days.map((d) => d === 2100));
    // median 103.5; deviations sorted 1.5 1.5 4.5 6.5 8.5 10.5 10.5 15.5 16.5 1996.5 → MAD 9.5
    expect(s[7]!.median).toBe(103.5);
    expect(s[7]!.mad).toBe(9.5);
    expect(s[7]!.score).toBeCloseTo((0.6745 * (2100 - 103.5)) / 9.5, 10);
  });

  it('one outlier does not hide a second one (mean ± 3σ would: the first inflates σ)', () => {
    const xs = [10, 11, 9, 10, 12, 10, 11, 9, 10, 500, 60];
    const mean = xs.reduce((a, b) => a + b) / xs.length;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length);
    expect(Math.abs(60 - mean) / sd).toBeLessThan(3); // the classical rule misses 60
    expect(
      madScores(xs)
        .filter((x) => x.outlier)
        .map((x) => x.value),
    ).toEqual([500, 60]);
  });

  it('low outliers have negative scores; the threshold is configurable', () => {
    const s = madScores([100, 101, 99, 100, 102, 98, 1]);
    expect(s[6]!.outlier).toBe(true);
    expect(s[6]!.score).toBeLessThan(-3.5);
    expect(madScores([10, 11, 12, 13, 14, 20], { threshold: 100 }).some((x) => x.outlier)).toBe(false);
  });

  it('MAD of 0 (more than half equal): values off the median are outliers with an unbounded score, equal ones are not', () => {
    const s = madScores([5, 5, 5, 5, 5, 6]);
    expect(s.map((x) => x.outlier)).toEqual([false, false, false, false, false, true]);
    expect(s[5]!.score).toBe(Infinity);
    expect(s[0]!.score).toBe(0);
  });

  it('too few points flag nothing; non-finite input is refused', () => {
    expect(madScores([1, 1000, 2]).some((x) => x.outlier)).toBe(false);
    expect(() => madScores([1, Number.NaN])).toThrow(RangeError);
    expect(madScores([])).toEqual([]);
  });

  it('per series: each user is judged against their own norm, and only spending above it counts', () => {
    const points = [
      ...[100, 110, 90, 105, 95, 100].map((v, i) => ({ user: 'low', day: i, v })),
      ...[1000, 1100, 900, 1050, 950, 1000].map((v, i) => ({ user: 'high', day: i, v })),
      { user: 'low', day: 9, v: 900 }, // ordinary for "high", 9× the norm of "low"
      { user: 'high', day: 9, v: 10 }, // far below: not flagged as spending
    ];
    const out = upperOutliersBySeries(
      points,
      (p) => p.user,
      (p) => p.v,
    );
    expect(out.map((o) => [o.point.user, o.point.day])).toEqual([['low', 9]]);
  });
});

describe('jsonb comparison and labels', () => {
  it('key order does not matter (jsonb reorders), values and array order do', () => {
    expect(jsonEqual({ a: 1, b: { c: [1, 2] } }, { b: { c: [1, 2] }, a: 1 })).toBe(true);
    expect(jsonEqual({ a: [1, 2] }, { a: [2, 1] })).toBe(false);
    expect(jsonEqual({ a: 1 }, { a: 1, b: null })).toBe(false);
    expect(jsonEqual({ a: '1' }, { a: 1 })).toBe(false);
    expect(jsonDifferences({ data: { cost: 5, team: 'x' } }, { data: { cost: 0, team: 'x' }, extra: true })).toEqual([
      'data.cost',
      'extra',
    ]);
  });

  it('denial reasons read as policy ids', () => {
    expect(reasonLabel('["arx.cost.default-cap", "arx.hours.cui-off-hours"]')).toBe(
      'arx.cost.default-cap + arx.hours.cui-off-hours',
    );
    expect(reasonLabel('[]')).toBe('no permit applied (default deny)');
    expect(reasonLabel('odd')).toBe('odd');
  });
});
