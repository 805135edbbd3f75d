import { z } from 'zod';
import { EVENT_DATA, isEventType, type EventData, type EventType } from './types';
import { WRITER_PATTERN } from './writer';

/**
 * CloudEvents v1.0 (JSON format) as ARX stores them. Extension attributes (CloudEvents §3.1.1:
 * lowercase a-z0-9, at most 20 characters): `sequence` (the Sequence extension: the event's seq in
 * its tenant chain, as a decimal string) and `arxtenant` (the tenant id, so that an event copied
 * into another tenant's chain is caught by its own content), `arxwriter`, `arxcert` and `arxsig`
 * (who wrote the event, and their card signature: writer.ts).
 */
export const TIME_PATTERN = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$/;

export const CloudEventEnvelopeSchema = z
  .object({
    specversion: z.literal('1.0'),
    id: z.string().min(1).max(128),
    source: z.string().regex(/^\/arx\/(gateway|console|simulator)(\/[A-Za-z0-9._-]+)*$/),
    type: z.string().refine(isEventType, 'unknown ARX event type'),
    subject: z.string().min(1).max(256).optional(),
    time: z.string().regex(TIME_PATTERN, 'expected RFC 3339 UTC time with microseconds'),
    datacontenttype: z.literal('application/json'),
    sequence: z.string().regex(/^(0|[1-9][0-9]{0,18})$/),
    arxtenant: z.string().uuid(),
    arxwriter: z.string().regex(WRITER_PATTERN, 'expected operator/<uuid> or gateway/<login role>').optional(),
    arxcert: z
      .string()
      .regex(/^[0-9a-f]{64}$/)
      .optional(),
    data: z.unknown(),
    arxsig: z
      .string()
      .regex(/^[A-Za-z0-9+/]+={0,2}$/)
      .optional(),
  })
  .strict();

export interface ArxEvent<T extends EventType = EventType> {
  specversion: '1.0';
  id: string;
  source: string;
  type: T;
  subject?: string;
  time: string;
  datacontenttype: 'application/json';
  sequence: string;
  arxtenant: string;
  /** Who appended the event: `operator/<operator id>` or `gateway/<login role>` (writer.ts); every writer sets it, and the control plane refuses an append without it. */
  arxwriter?: string;
  /** SHA-256 (hex) of the certificate whose key made `arxsig`. */
  arxcert?: string;
  data: EventData<T>;
  /** The writer's card signature over the event's bytes without this attribute (writer.ts). */
  arxsig?: string;
}

export interface EventIssue {
  code: 'EVENT_INVALID';
  message: string;
  path: string;
}

function pathOf(path: readonly PropertyKey[], prefix: string): string {
  return path.reduce<string>((acc, p) => (typeof p === 'number' ? `${acc}[${p}]` : `${acc}.${String(p)}`), prefix);
}

/** Validates an event (envelope, then its type's data schema); the first problem with its field path. */
export function validateEvent(input: unknown): { ok: true; event: ArxEvent } | { ok: false; issue: EventIssue } {
  const env = CloudEventEnvelopeSchema.safeParse(input);
  if (!env.success) {
    const i = env.error.issues[0]!;
    const p = i.code === 'unrecognized_keys' && i.keys[0] ? [...i.path, i.keys[0]] : i.path;
    return {
      ok: false,
      issue: { code: 'EVENT_INVALID', message: i.message, path: pathOf(p, '').replace(/^\./, '') || '(event)' },
    };
  }
  const type = env.data.type as EventType;
  const data = EVENT_DATA[type].safeParse(env.data.data);
  if (!data.success) {
    const i = data.error.issues[0]!;
    const p = i.code === 'unrecognized_keys' && i.keys[0] ? [...i.path, i.keys[0]] : i.path;
    return { ok: false, issue: { code: 'EVENT_INVALID', message: `${type}: ${i.message}`, path: pathOf(p, 'data') } };
  }
  return { ok: true, event: { ...(env.data as Omit<ArxEvent, 'data'>), data: data.data } as ArxEvent };
}

/**
 * The exact bytes that are stored and hashed. Key order is fixed here, once; verification never
 * re-serializes (JSONB reorders keys), it hashes the stored bytes.
 */
export function serializeEvent(e: ArxEvent): Uint8Array {
  const ordered: Record<string, unknown> = {
    specversion: e.specversion,
    id: e.id,
    source: e.source,
    type: e.type,
    ...(e.subject !== undefined ? { subject: e.subject } : {}),
    time: e.time,
    datacontenttype: e.datacontenttype,
    sequence: e.sequence,
    arxtenant: e.arxtenant,
    ...(e.arxwriter !== undefined ? { arxwriter: e.arxwriter } : {}),
    ...(e.arxcert !== undefined ? { arxcert: e.arxcert } : {}),
    data: e.data,
    ...(e.arxsig !== undefined ? { arxsig: e.arxsig } : {}),
  };
  return new TextEncoder().encode(JSON.stringify(ordered));
}

/** Microsecond RFC 3339 UTC time for a Date plus extra microseconds (JS Dates hold milliseconds). */
export function eventTime(date: Date, micros = 0): string {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.mmmZ
  return `${iso.slice(0, 23)}${String(Math.max(0, Math.min(999, micros))).padStart(3, '0')}Z`;
}
