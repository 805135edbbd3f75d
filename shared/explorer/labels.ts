/** `["arx.cost.default-cap","arx.hours.cui-off-hours"]` → `arx.cost.default-cap + arx.hours.cui-off-hours`. */
export function reasonLabel(reason: string): string {
  try {
    const ids = JSON.parse(reason) as unknown;
    if (Array.isArray(ids)) return ids.length === 0 ? 'no permit applied (default deny)' : ids.join(' + ');
  } catch {
    /* not a list: show it as it is */
  }
  return reason;
}
