/** Display helpers for the explorer (no logic that decides anything). */
export const shortType = (type: string) => type.replace(/^com\.arx\./, '');
export const cents = (c: number | null) => (c === null ? '' : `$${(c / 100).toFixed(2)}`);
/** 2026-11-25T12:00:00.123456Z → 2026-11-25 12:00:00.123456 */
export const when = (t: string) => t.replace('T', ' ').replace(/Z$/, '');
export const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,6})?)?Z$/;
