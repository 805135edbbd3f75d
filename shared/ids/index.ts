import { z } from 'zod';

/**
 * The identifiers every layer shares, defined once: tenant and record ids (lowercase hyphenated
 * UUIDs, the form PostgreSQL prints), 32-byte digests as lowercase hex, and chain positions.
 */
export const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const HEX32_PATTERN = /^[0-9a-f]{64}$/;

export const isUuid = (s: string): boolean => UUID_PATTERN.test(s);

/** A zod UUID in PostgreSQL's lowercase form; `what` names it in the error message. */
export const uuidSchema = (what = 'a lowercase hyphenated UUID') => z.string().regex(UUID_PATTERN, what);
/** 32 bytes as 64 lowercase hex digits (SHA-256, BLAKE3). */
export const hex32Schema = (what?: string) => z.string().regex(HEX32_PATTERN, what);
/** A chain position: a whole number that JavaScript holds exactly. */
export const SeqSchema = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/**
 * The readable name in an X.500 distinguished name as @peculiar/x509 prints it ("C=US, …,
 * CN=ADAMS.ALICE.ANN.1000000001" → "ADAMS.ALICE.ANN.1000000001"): its last CN, unescaped; the
 * whole DN when it has none.
 */
export function commonNameOf(dn: string): string {
  let cn: string | null = null;
  for (const rdn of splitUnescaped(dn)) {
    const t = rdn.trim();
    if (t.startsWith('CN=')) cn = t.slice(3).replace(/\\(.)/g, '$1');
  }
  return cn || dn;
}

/** The attribute strings of a DN: split at commas that are not escaped by a backslash. */
function splitUnescaped(dn: string): string[] {
  const out: string[] = [];
  let cur = '';
  for (let i = 0; i < dn.length; i++) {
    const ch = dn[i]!;
    if (ch === '\\' && i + 1 < dn.length) {
      cur += ch + dn[++i]!;
    } else if (ch === ',') {
      out.push(cur);
      cur = '';
    } else cur += ch;
  }
  out.push(cur);
  return out;
}
