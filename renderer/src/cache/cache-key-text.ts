/**
 * What a cached record is, in words, from its key (cache.contents): keys are the JSON a read was
 * asked with ({"q":"audit.verify","tenantId":…,"range":…}) or a file path; people read "Chain
 * verification of alpha-command, all events", never the JSON.
 */
import { shortId } from '../app/Readable';
import { localTime } from '../app/time';

const KINDS: Record<string, string> = {
  'event-page': 'Explorer pages and events',
  verification: 'Verifications',
  certificate: 'Fidelity certificates',
  bundle: 'Bundles',
  'policy-draft': 'Policy drafts',
  'policy.version': 'Policy versions',
  'review-draft': 'Review drafts',
  'trust-anchor': 'Trust anchors',
  crl: 'Revocation lists (CRLs)',
};

/** "Trust anchors" for trust-anchor; an unknown kind as it is. */
export const cacheKindText = (kind: string): string => KINDS[kind] ?? kind;

const READS: Record<string, string> = {
  'audit.tenants': 'Your list of tenants',
  'audit.verify': 'Chain verification',
  'review.list': 'Fidelity certificates',
  'review.verify': 'Certificate verification',
  'explorer.dashboard': 'Dashboard',
  'explorer.facets': 'Explorer filters',
  'explorer.query': 'Explorer page',
  'explorer.event': 'Event',
  'bundle.open': 'Bundle report',
};

const n = (x: number) => x.toLocaleString('en-US');
const basename = (path: string) => path.split(/[\\/]/).pop() || path;
const LONG_ID = /\b([0-9a-f]{64}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\b/g;

const VERSION_KEY = /^([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})\/([0-9a-f]{64})$/;

function rangeText(range: unknown): string {
  const r = range as { kind?: string; from?: unknown; to?: unknown } | undefined;
  if (!r || r.kind === 'all') return 'all events';
  if (r.kind === 'seq')
    return `seq ${typeof r.from === 'number' ? n(r.from) : '?'}–${typeof r.to === 'number' ? n(r.to) : 'newest'}`;
  if (r.kind === 'time') return `${localTime(String(r.from))} to ${localTime(String(r.to))}`;
  return 'a range';
}

function details(k: Record<string, unknown>): string[] {
  const out: string[] = [];
  if (typeof k.seq === 'number') out.push(`seq ${n(k.seq)}`);
  if (k.range !== undefined) out.push(rangeText(k.range));
  if (typeof k.id === 'string') out.push(`certificate ${shortId(k.id)}`);
  if (typeof k.path === 'string') out.push(basename(k.path));
  return out;
}

/** One key in words; `slugOf` names a tenant id (the session's tenants), else its id shortened. */
export function cacheKeyText(key: string, slugOf: (tenantId: string) => string | undefined): string {
  let k: unknown;
  try {
    k = JSON.parse(key);
  } catch {
    k = null;
  }
  if (!k || typeof k !== 'object' || Array.isArray(k)) {
    // A policy version ("tenant/sha256"); a file (trust anchors, CRLs) by its name; else ids shortened.
    const version = VERSION_KEY.exec(key);
    if (version) return `Policy version ${shortId(version[2]!)} of ${slugOf(version[1]!) ?? shortId(version[1]!)}`;
    return key.startsWith('/') ? basename(key) : key.replace(LONG_ID, (id) => shortId(id));
  }
  const o = k as Record<string, unknown>;
  const what = typeof o.q === 'string' ? (READS[o.q] ?? o.q) : 'Record';
  const tenant = typeof o.tenantId === 'string' ? (slugOf(o.tenantId) ?? shortId(o.tenantId)) : null;
  const rest = details(o);
  return `${what}${tenant ? ` of ${tenant}` : ''}${rest.length > 0 ? `, ${rest.join(', ')}` : ''}`;
}
