/** Number and duration wording of the Verify panel. */
export const num = (n: number): string => n.toLocaleString('en-US');

export function duration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return 'estimating time left';
  if (seconds < 1) return 'under a second left';
  if (seconds < 90) return `about ${Math.round(seconds)} s left`;
  const m = Math.floor(seconds / 60);
  return `about ${m} min ${Math.round(seconds - m * 60)} s left`;
}

export function bytes(n: number): string {
  return n >= 1e9
    ? `${(n / 1e9).toFixed(2)} GB`
    : n >= 1e6
      ? `${(n / 1e6).toFixed(1)} MB`
      : `${(n / 1e3).toFixed(0)} kB`;
}

/** Long hashes shortened for the table; the full value stays in the title and the copy. */
export function short(hex: string | null): string {
  if (hex === null) return '—';
  return /^[0-9a-f]{40,}$/.test(hex) ? `${hex.slice(0, 12)}…${hex.slice(-6)}` : hex;
}
