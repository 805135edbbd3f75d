/**
 * What a virtual card received, for tests that assert the card's side of a flow: which key
 * signed, and whether the PIN was given for that signature (PIV "PIN Always" on 9C).
 */
import type { VpcdLink } from './vpcd-link';

/** The APDUs (whole) the card behind `link` receives while `fn` runs. */
export async function apdusDuring<T>(link: VpcdLink, fn: () => Promise<T>): Promise<{ value: T; trace: Uint8Array[] }> {
  const trace: Uint8Array[] = [];
  const onApdu = (_ins: number, apdu: Uint8Array) => void trace.push(apdu);
  link.on('apdu', onApdu);
  try {
    return { value: await fn(), trace };
  } finally {
    link.off('apdu', onApdu);
  }
}

/** A GENERAL AUTHENTICATE (INS 87) with the Digital Signature key (key reference 9C). */
export const onSigningKey = (apdu: Uint8Array | undefined): boolean => apdu?.[1] === 0x87 && apdu[3] === 0x9c;

/**
 * For each signature made on 9C, the INS of the command the card received just before it: 0x20
 * (VERIFY) when the PIN was given for that signature. A chained command (CLA bit 0x10) counts once.
 */
export function beforeEachSignature(trace: readonly Uint8Array[]): number[] {
  const out: number[] = [];
  for (const [at, apdu] of trace.entries()) {
    const prev = trace[at - 1];
    if (!onSigningKey(apdu) || (onSigningKey(prev) && (prev![0]! & 0x10) !== 0)) continue;
    out.push(prev?.[1] ?? -1);
  }
  return out;
}
