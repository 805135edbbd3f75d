/**
 * Robust outlier detection with the median absolute deviation (Iglewicz & Hoaglin, "How to Detect
 * and Handle Outliers", 1993): the modified z-score M = 0.6745 · (x − median) / MAD flags |M| > 3.5.
 * Median and MAD ignore the outliers they are looking for, unlike mean and standard deviation,
 * which one user spending 20× their norm drags along. Pure, so that it runs anywhere and is tested
 * on its own. Hand-written: a median and a score are a few lines, and no maintained package does
 * exactly this without a statistics library the renderer would carry.
 */

/** 0.6745 = Φ⁻¹(0.75): makes MAD comparable to a standard deviation for normal data. */
export const MAD_CONSISTENCY = 0.6745;
export const DEFAULT_MAD_THRESHOLD = 3.5;

export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** MAD = median(|x − median(x)|). */
export function medianAbsoluteDeviation(values: readonly number[], center = median(values)): number {
  return median(values.map((v) => Math.abs(v - center)));
}

export interface RobustScore {
  value: number;
  median: number;
  mad: number;
  /** Modified z-score; ±Infinity when MAD is 0 and the value differs from the median. */
  score: number;
  outlier: boolean;
}

/**
 * Scores every value against the median and MAD of all of them. When more than half the values
 * are equal MAD is 0: then any value different from the median is an outlier (score ±Infinity),
 * the values equal to it are not (score 0). Fewer than `minCount` values flag nothing: a median of
 * two days is not a norm.
 */
export function madScores(
  values: readonly number[],
  opts: { threshold?: number; minCount?: number } = {},
): RobustScore[] {
  const threshold = opts.threshold ?? DEFAULT_MAD_THRESHOLD;
  const minCount = opts.minCount ?? 5;
  if (values.some((v) => !Number.isFinite(v))) throw new RangeError('madScores: every value must be a finite number');
  const m = median(values);
  const mad = medianAbsoluteDeviation(values, m);
  return values.map((value) => {
    const diff = value - m;
    const score = mad === 0 ? (diff === 0 ? 0 : diff > 0 ? Infinity : -Infinity) : (MAD_CONSISTENCY * diff) / mad;
    return { value, median: m, mad, score, outlier: values.length >= minCount && Math.abs(score) > threshold };
  });
}

/** Upper outliers only (spending far above the norm), grouped by series: each series is its own norm. */
export function upperOutliersBySeries<T>(
  points: readonly T[],
  series: (p: T) => string,
  value: (p: T) => number,
  opts?: { threshold?: number; minCount?: number },
): { point: T; score: RobustScore }[] {
  const groups = new Map<string, T[]>();
  for (const p of points) {
    const k = series(p);
    const g = groups.get(k);
    if (g) g.push(p);
    else groups.set(k, [p]);
  }
  const out: { point: T; score: RobustScore }[] = [];
  for (const g of groups.values()) {
    const scores = madScores(g.map(value), opts);
    g.forEach((p, i) => out.push({ point: p, score: scores[i]! }));
  }
  return out.filter((o) => o.score.outlier && o.score.score > 0);
}
