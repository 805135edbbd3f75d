/** How counts and sizes are written for people. */

/** "1 checkpoint", "2 checkpoints", "1,024 events". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n.toLocaleString('en-US')} ${n === 1 ? one : many}`;
}

const UNITS = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB'];

/** "540 bytes", "7.0 MiB" (binary units, one decimal above a KiB); the exact count goes in a tooltip. */
export function humanSize(bytes: number): string {
  if (bytes < 1024) return plural(bytes, 'byte');
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(1)} ${UNITS[u]}`;
}

/** "7,289,856 bytes", for the title beside a human size. */
export const exactBytes = (bytes: number): string => plural(bytes, 'byte');
