import { verify as cryptoVerify, X509Certificate, type KeyObject } from 'node:crypto';
import { fromBase64 } from '../../../shared/bytes';
import {
  isCertainlyGatewayEvent,
  isEventType,
  splitEventSignature,
  isUnsignableReport,
  WRITER_CLASS,
} from '../../../shared/events';

/**
 * Writer authentication (docs/chain-format.md §8): a console or administration event counts only
 * with a valid signature, by the login key of the operator it names, over its bytes without
 * `arxsig`. Gateway events are authenticated by the gateway checkpoint that covers them.
 */
export const WRITER_ISSUE_CODES = [
  'EVENT_WRITER_UNAUTHENTICATED',
  'EVENT_SIGNATURE_INVALID',
  'EVENT_WRITER_UNSIGNED',
  'EVENT_WRITER_NOT_NAMED',
  'EVENT_WRITER_BOOTSTRAP',
  'EVENT_WRITER_UNSIGNED_LEGACY',
] as const;
export type WriterIssueCode = (typeof WRITER_ISSUE_CODES)[number];
/**
 * Reported, but not failing: unsignable reports, events from before writers were named, the DBA's
 * bootstrap, unsigned session closes from before closes were signed (below the chain's cut-over).
 */
export const WRITER_WARNINGS: ReadonlySet<string> = new Set([
  'EVENT_WRITER_UNSIGNED',
  'EVENT_WRITER_NOT_NAMED',
  'EVENT_WRITER_BOOTSTRAP',
  'EVENT_WRITER_UNSIGNED_LEGACY',
]);

export interface WriterIssue {
  code: WriterIssueCode;
  seq: number;
  message: string;
  found?: string;
}

/** A certificate the verifier trusts for an operator (path validated by the caller). */
export interface OperatorCertificate {
  /** The operator it is enrolled for; null where the caller binds writers to people otherwise (a bundle). */
  operatorId: string | null;
  /** The certificate, DER. */
  der: Uint8Array;
  /** When its path is valid (ms since the epoch): an event dated outside it is not authenticated by it. */
  window?: { notBefore: number; notAfter: number };
}

/** Holds events that may need authentication while a chain streams; the rest cost one cheap test. */
export class WriterCollector {
  readonly rows: { seq: number; bytes: Uint8Array }[] = [];
  /** Events that needed a look but were not kept (beyond `max`). */
  overflow = 0;
  /** The first seq whose event names its writer (events before it are from before writers were named). */
  firstNamed: number | null = null;
  constructor(private readonly max = 50_000) {}

  push(seq: number, bytes: Uint8Array): void {
    // A Buffer view (no copy): Node's indexOf searches byte strings natively.
    const view = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    if (this.firstNamed === null && view.indexOf(WRITER_KEY) >= 0) this.firstNamed = seq;
    // A gateway event (no backslash in it) that does not name a gateway as its writer needs a look.
    if (isCertainlyGatewayEvent(view) && (this.firstNamed === null || view.indexOf(GATEWAY_WRITER) >= 0)) return;
    if (this.rows.length < this.max) this.rows.push({ seq, bytes: bytes.slice() });
    else this.overflow++;
  }
}

const WRITER_KEY = new TextEncoder().encode('"arxwriter":"');
const GATEWAY_WRITER = new TextEncoder().encode('"arxwriter":"gateway/');
const GATEWAY_WRITER_NAME = /^gateway\/[a-z_][a-z0-9_$]{0,62}$/;
/** The certificates the collected events name (`arxcert`), each with the first and last event time naming it. */
export function referencedCertificates(
  rows: readonly { bytes: Uint8Array }[],
): Map<string, { first: string; last: string }> {
  const out = new Map<string, { first: string; last: string }>();
  const decoder = new TextDecoder();
  for (const r of rows) {
    const text = decoder.decode(r.bytes);
    const cert = CERT_FIELD.exec(text)?.[1];
    if (!cert) continue;
    const time = TIME_FIELD.exec(text)?.[1] ?? '';
    const span = out.get(cert);
    if (!span) out.set(cert, { first: time, last: time });
    else if (time < span.first) span.first = time;
    else if (time > span.last) span.last = time;
  }
  return out;
}
const CERT_FIELD = /"arxcert":"([0-9a-f]{64})"/;
const TIME_FIELD = /"time":"([0-9T:.Z-]{20,40})"/;

/**
 * Judges the collected events. `certificates` maps a certificate's SHA-256 (hex) to the operator
 * it is enrolled for, for certificates whose path the caller validated; any other is unknown.
 * `opts`: the chain's bootstrap records and signed-close cut-over (WriterJudgement).
 */
export function authenticateWriters(
  rows: readonly { seq: number; bytes: Uint8Array }[],
  certificates: ReadonlyMap<string, OperatorCertificate>,
  firstNamed: number | null,
  opts: WriterJudgement = {},
): WriterIssue[] {
  const bootstrap = opts.bootstrap ?? new Set<number>();
  const closesBelow = opts.unsignedClosesBelow ?? 0;
  const keys = new Map<string, KeyObject | null>();
  const keyOf = (sha: string): KeyObject | null => {
    if (!keys.has(sha)) {
      const c = certificates.get(sha);
      keys.set(sha, c ? publicKeyOfCertificate(c.der) : null);
    }
    return keys.get(sha)!;
  };
  const issues: WriterIssue[] = [];
  for (const r of rows) {
    const i = bootstrap.has(r.seq)
      ? {
          code: 'EVENT_WRITER_BOOTSTRAP' as const,
          seq: r.seq,
          message: 'recorded by the DBA at bootstrap, without a card',
        }
      : judge(r, certificates, keyOf, firstNamed, closesBelow);
    if (i) issues.push(i);
  }
  return issues;
}

/** What the chain itself says about its writers' history (docs/chain-format.md §8.2). */
export interface WriterJudgement {
  /** The seqs bootstrapRecords found: a warning each, judged no further. */
  bootstrap?: ReadonlySet<number>;
  /**
   * The chain's signed-close cut-over (arx.signed_close_cutover): an unsigned `session.closed` for
   * a logout, lock or idle lock below it is from before closes were signed (a warning); 0: none.
   */
  unsignedClosesBelow?: number;
}

/** The system tenant's slug (administration/bootstrap.ts), named in its bootstrap's tenant.created. */
const SYSTEM_TENANT_SLUG = 'control-plane';
const BOOTSTRAP_TYPES = new Set(['com.arx.operator.enrolled', 'com.arx.role.granted']);

/**
 * The system chain's bootstrap records (docs/chain-format.md §8.2): the events the DBA's bootstrap
 * appended, in one append, without a card — seq 0 a `tenant.created` of this chain's own tenant,
 * slug control-plane, `by` null; then, without a gap, `operator.enrolled` with `by` null and
 * `role.granted` of administrator with `by` and `approvedBy` null, each with seq 0's source and
 * writer and seq 0's time plus its seq in microseconds (one append's times), and each below
 * `below` (the first checkpoint's size: what comes after it is no bootstrap). `rows` in seq order,
 * all collected events from seq 0 (a gateway event in between ends the run).
 */
export function bootstrapRecords(rows: readonly { seq: number; bytes: Uint8Array }[], below: number): Set<number> {
  const out = new Set<number>();
  const first = rows[0];
  if (!first || first.seq !== 0 || below <= 0) return out;
  const e0 = parseObject(first.bytes);
  const d0 = e0?.['data'] as Record<string, unknown> | undefined;
  const t0 = typeof e0?.['time'] === 'string' ? e0['time'] : '';
  if (
    !e0 ||
    e0['type'] !== 'com.arx.tenant.created' ||
    e0['arxsig'] !== undefined ||
    d0?.['by'] !== null ||
    d0['slug'] !== SYSTEM_TENANT_SLUG ||
    d0['tenantId'] !== e0['arxtenant'] ||
    !/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}000Z$/.test(t0)
  )
    return out;
  out.add(0);
  for (let i = 1; i < rows.length && rows[i]!.seq === i && i < below && i < 1000; i++) {
    const e = parseObject(rows[i]!.bytes);
    const d = e?.['data'] as Record<string, unknown> | undefined;
    const same = e && e['source'] === e0['source'] && e['arxwriter'] === e0['arxwriter'] && e['arxsig'] === undefined;
    const time = `${t0.slice(0, 23)}${String(i).padStart(3, '0')}Z`;
    if (!same || e['time'] !== time || !BOOTSTRAP_TYPES.has(e['type'] as string) || d?.['by'] !== null) break;
    if (e['type'] === 'com.arx.role.granted' && (d['role'] !== 'administrator' || d['approvedBy'] !== null)) break;
    out.add(i);
  }
  return out;
}

function parseObject(bytes: Uint8Array): Record<string, unknown> | null {
  try {
    const v = JSON.parse(UTF8.decode(bytes)) as unknown;
    return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}
const UTF8 = new TextDecoder('utf-8', { fatal: true });

function judge(
  r: { seq: number; bytes: Uint8Array },
  certificates: ReadonlyMap<string, OperatorCertificate>,
  keyOf: (sha: string) => KeyObject | null,
  firstNamed: number | null,
  closesBelow: number,
): WriterIssue | null {
  const { seq } = r;
  let ev: Record<string, unknown>;
  try {
    ev = JSON.parse(UTF8.decode(r.bytes)) as Record<string, unknown>;
    if (!ev || typeof ev !== 'object' || Array.isArray(ev)) throw new Error('not an object');
  } catch {
    return {
      code: 'EVENT_WRITER_UNAUTHENTICATED',
      seq,
      message: 'the event is not a JSON object: no writer to authenticate',
    };
  }
  const type = ev['type'];
  if (!isEventType(type))
    return {
      code: 'EVENT_WRITER_UNAUTHENTICATED',
      seq,
      message: `unknown event type ${String(type).slice(0, 80)}`,
      found: String(type).slice(0, 80),
    };
  const writer = typeof ev['arxwriter'] === 'string' ? ev['arxwriter'] : null;
  if (WRITER_CLASS[type] === 'gateway') return gatewayWriterIssue(seq, type, writer, firstNamed);
  const split = splitEventSignature(r.bytes);
  if (writer === null && ev['arxsig'] === undefined && (firstNamed === null || seq < firstNamed))
    return {
      code: 'EVENT_WRITER_NOT_NAMED',
      seq,
      message: `${type} from before events named their writer: not authenticated`,
    };
  if (!split || ev['arxsig'] !== split.signature) {
    if (isUnsignableReport(type, ev['data']))
      return {
        code: 'EVENT_WRITER_UNSIGNED',
        seq,
        message: `${type} carries no card signature (${writer ?? 'no writer'})`,
        ...(writer ? { found: writer } : {}),
      };
    if (type === 'com.arx.session.closed' && seq < closesBelow)
      return {
        code: 'EVENT_WRITER_UNSIGNED_LEGACY',
        seq,
        message: `${type} carries no card signature: written before closes were signed (this chain's cut-over is seq ${closesBelow})`,
        ...(writer ? { found: writer } : {}),
      };
    return {
      code: 'EVENT_WRITER_UNAUTHENTICATED',
      seq,
      message: `${type} carries no card signature of its writer`,
      found: writer ?? '(none)',
    };
  }
  return cardSignatureIssue(seq, type, writer, ev, split, certificates, keyOf);
}

/** The event's card signature: a validated certificate of its named operator, valid at its time, and verifying. */
function cardSignatureIssue(
  seq: number,
  type: string,
  writer: string | null,
  ev: Record<string, unknown>,
  split: NonNullable<ReturnType<typeof splitEventSignature>>,
  certificates: ReadonlyMap<string, OperatorCertificate>,
  keyOf: (sha: string) => KeyObject | null,
): WriterIssue | null {
  const certSha = typeof ev['arxcert'] === 'string' ? ev['arxcert'] : '';
  const cert = certificates.get(certSha);
  const bound = cert && (cert.operatorId === null || `operator/${cert.operatorId}` === writer);
  if (!writer?.startsWith('operator/') || !cert || !bound) {
    return {
      code: 'EVENT_WRITER_UNAUTHENTICATED',
      seq,
      message: cert
        ? `${type} names ${writer ?? 'no writer'} but is signed with a certificate of operator ${cert.operatorId}`
        : `${type} is signed with a certificate (${certSha.slice(0, 16) || 'none'}) that is not a validated certificate of ${writer ?? 'its writer'}`,
      found: writer ?? '(none)',
    };
  }
  const time = typeof ev['time'] === 'string' ? Date.parse(ev['time']) : NaN;
  if (cert.window && !(time >= cert.window.notBefore && time <= cert.window.notAfter))
    return {
      code: 'EVENT_WRITER_UNAUTHENTICATED',
      seq,
      message: `${type} is dated ${String(ev['time']).slice(0, 40)}, when the certificate ${certSha.slice(0, 16)} of ${writer} was not valid`,
      found: writer,
    };
  const key = keyOf(certSha);
  const sig = fromBase64(split.signature);
  if (!key || !sig || !verifySignature(key, split.preimage, sig))
    return {
      code: 'EVENT_SIGNATURE_INVALID',
      seq,
      message: `the card signature on ${type} by ${writer} does not verify`,
      found: writer,
    };
  return null;
}

/**
 * A gateway type is authenticated by the checkpoint over it, but only a gateway may have written
 * it: once writers are named, one naming no gateway (a console, an operator, nobody) was planted.
 */
function gatewayWriterIssue(seq: number, type: string, writer: string | null, firstNamed: number | null) {
  if (firstNamed === null || seq < firstNamed || (writer !== null && GATEWAY_WRITER_NAME.test(writer))) return null;
  return {
    code: 'EVENT_WRITER_UNAUTHENTICATED' as const,
    seq,
    message: `${type} is a gateway event type, but names ${writer ?? 'no writer'}, not a gateway`,
    found: writer ?? '(none)',
  };
}

/** ECDSA (DER) or RSA PKCS#1 v1.5, both over SHA-256 of the preimage (what `openssl dgst -sha256 -verify` checks). */
export function verifySignature(key: KeyObject, preimage: Uint8Array, sig: Uint8Array): boolean {
  try {
    return cryptoVerify('sha256', preimage, key.asymmetricKeyType === 'ec' ? { key, dsaEncoding: 'der' } : key, sig);
  } catch {
    return false;
  }
}

function publicKeyOfCertificate(der: Uint8Array): KeyObject | null {
  try {
    return new X509Certificate(Buffer.from(der)).publicKey;
  } catch {
    return null;
  }
}
