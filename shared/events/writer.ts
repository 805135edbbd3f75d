import { isEventType, type EventType } from './types';

/**
 * Who wrote an event (docs/events.md, "Writers"). Every event names its writer in `arxwriter`:
 * `operator/<operator id>` for console events, `gateway/<login role>` for gateway events. Console
 * events also carry `arxcert` (SHA-256 of the operator's PIV Authentication certificate) and, last,
 * `arxsig`: that key's signature over the event's bytes without `,"arxsig":"…"`.
 */
export const WRITER_PATTERN =
  /^(operator\/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|gateway\/[a-z_][a-z0-9_$]{0,62}|console\/[A-Za-z0-9._-]{1,64})$/;

export type WriterClass = 'gateway' | 'console' | 'administration';

/** The writer class of each type (the same table as arx.event_writers in the control plane). */
export const WRITER_CLASS: Record<EventType, WriterClass> = {
  'com.arx.request.received': 'gateway',
  'com.arx.policy.decided': 'gateway',
  'com.arx.request.routed': 'gateway',
  'com.arx.provider.called': 'gateway',
  'com.arx.provider.responded': 'gateway',
  'com.arx.response.returned': 'gateway',
  'com.arx.content.redacted': 'gateway',
  'com.arx.cost.recorded': 'gateway',
  'com.arx.budget.exceeded': 'gateway',
  'com.arx.checkpoint.issued': 'gateway',
  'com.arx.session.opened': 'console',
  'com.arx.session.refused': 'console',
  'com.arx.session.closed': 'console',
  'com.arx.policy.submitted': 'console',
  'com.arx.policy.approved': 'console',
  'com.arx.policy.published': 'console',
  'com.arx.policy.rolledback': 'console',
  'com.arx.policy.rejected': 'console',
  'com.arx.policy.rollbackrequested': 'console',
  'com.arx.review.signed': 'console',
  'com.arx.bundle.exported': 'console',
  'com.arx.companionkey.attested': 'console',
  'com.arx.companionkey.rotated': 'console',
  'com.arx.companionkey.revoked': 'console',
  'com.arx.witness.forkdetected': 'console',
  'com.arx.role.granted': 'administration',
  'com.arx.role.revoked': 'administration',
  'com.arx.tenant.created': 'administration',
  'com.arx.tenant.renamed': 'administration',
  'com.arx.operator.enrolled': 'administration',
  'com.arx.operator.disabled': 'administration',
  'com.arx.operator.enabled': 'administration',
  'com.arx.operator.reenrolled': 'administration',
  'com.arx.gatewaykey.registered': 'administration',
  'com.arx.gatewaykey.rotated': 'administration',
  'com.arx.gatewaykey.revoked': 'administration',
};

/**
 * Console events that may lack a signature: a refused login has no card session, and a session
 * closed because the card left the reader has no card to sign with. Every other close (logout,
 * lock, idle lock) is signed while the card session is still open, like any console event.
 * Unsigned, these are reported as a warning; signed, they are checked like every other event.
 */
export function isUnsignableReport(type: EventType, data: unknown): boolean {
  if (type === 'com.arx.session.refused') return true;
  return type === 'com.arx.session.closed' && (data as { reason?: unknown } | null)?.reason === 'card-removed';
}

export const operatorWriter = (operatorId: string): string => `operator/${operatorId}`;
export const gatewayWriter = (loginRole: string): string => `gateway/${loginRole}`;

const SIG_KEY = new TextEncoder().encode(',"arxsig":"');

/**
 * Splits stored bytes into the signed preimage and the signature: the bytes must end with
 * `,"arxsig":"<base64>"}`; the preimage is everything before that comma, followed by `}`.
 * Returns null when the bytes carry no signature in that place.
 */
export function splitEventSignature(bytes: Uint8Array): { preimage: Uint8Array; signature: string } | null {
  const n = bytes.length;
  if (n < SIG_KEY.length + 3 || bytes[n - 1] !== 0x7d || bytes[n - 2] !== 0x22) return null;
  let start = n - 3;
  while (start >= 0 && isBase64Byte(bytes[start]!)) start--;
  const keyAt = start + 1 - SIG_KEY.length;
  if (keyAt < 1 || start === n - 3) return null;
  for (let k = 0; k < SIG_KEY.length; k++) if (bytes[keyAt + k] !== SIG_KEY[k]) return null;
  const preimage = new Uint8Array(keyAt + 1);
  preimage.set(bytes.subarray(0, keyAt));
  preimage[keyAt] = 0x7d;
  let signature = '';
  for (let k = start + 1; k < n - 2; k++) signature += String.fromCharCode(bytes[k]!);
  return { preimage, signature };
}

function isBase64Byte(c: number): boolean {
  return (
    (c >= 0x41 && c <= 0x5a) ||
    (c >= 0x61 && c <= 0x7a) ||
    (c >= 0x30 && c <= 0x39) ||
    c === 0x2b ||
    c === 0x2f ||
    c === 0x3d
  );
}

const GATEWAY_PREFIX =
  /^\{"specversion":"1\.0","id":"[^"\\]{1,128}","source":"[^"\\]*","type":"(com\.arx\.[a-z]+\.[a-z]+)","/;
const ARX_TYPE_MARK = new TextEncoder().encode('com.arx.');
const TYPE_KEY = new TextEncoder().encode('"type"');

/**
 * Whether an event is certainly of a gateway type, decided without a JSON parse (verification
 * reads millions of gateway events). Sound by construction: the bytes start as the writer
 * serializes a gateway type, hold no backslash (so every JSON string is literal), name no other
 * `com.arx.` type anywhere, and have exactly one top-level `type` key. Anything else returns
 * false, and the caller parses the event.
 */
export function isCertainlyGatewayEvent(bytes: Uint8Array): boolean {
  const head = latin1(bytes, 260);
  const m = GATEWAY_PREFIX.exec(head);
  if (!m || !isEventType(m[1]) || WRITER_CLASS[m[1]] !== 'gateway') return false;
  const view = asBuffer(bytes);
  if (view.indexOf(0x5c) >= 0) return false;
  const typeEnd = m[0].length;
  if (view.indexOf(ARX_TYPE_MARK, typeEnd) >= 0) return false;
  if (view.indexOf(TYPE_KEY, typeEnd) < 0) return true;
  return topLevelTypeKeys(bytes) === 1;
}

/** Counts top-level "type" keys; only for bytes without a backslash (strings end at the next quote). */
function topLevelTypeKeys(b: Uint8Array): number {
  const view = asBuffer(b);
  let depth = 0;
  let count = 0;
  for (let i = 0; i < b.length;) {
    const c = b[i]!;
    if (c === 0x22) {
      const end = view.indexOf(0x22, i + 1);
      if (end < 0) return -1;
      if (
        depth === 1 &&
        end - i === 5 &&
        b[i + 1] === 0x74 &&
        b[i + 2] === 0x79 &&
        b[i + 3] === 0x70 &&
        b[i + 4] === 0x65
      )
        count++;
      i = end + 1;
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    i++;
  }
  return count;
}

interface ByteSearch {
  indexOf(v: number | Uint8Array, from?: number): number;
}

/** indexOf over bytes: Node's Buffer when the bytes are one, else a first-byte jump search. */
function asBuffer(b: Uint8Array): ByteSearch {
  if (typeof (b as { latin1Slice?: unknown }).latin1Slice === 'function') return b as unknown as ByteSearch;
  return {
    indexOf(v, from = 0) {
      if (typeof v === 'number') return b.indexOf(v, from);
      for (let i = b.indexOf(v[0]!, from); i >= 0 && i <= b.length - v.length; i = b.indexOf(v[0]!, i + 1)) {
        let k = 1;
        while (k < v.length && b[i + k] === v[k]) k++;
        if (k === v.length) return i;
      }
      return -1;
    },
  };
}

function latin1(b: Uint8Array, max: number): string {
  const n = Math.min(b.length, max);
  const nodeBuf = b as unknown as { latin1Slice?: (s: number, e: number) => string };
  if (typeof nodeBuf.latin1Slice === 'function') return nodeBuf.latin1Slice(0, n);
  let s = '';
  for (let i = 0; i < n; i++) s += String.fromCharCode(b[i]!);
  return s;
}
