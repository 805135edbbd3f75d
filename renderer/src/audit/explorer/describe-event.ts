import { reasonLabel } from '../../../../shared/explorer/labels';
import { cents, shortType } from './format';

/** What a person wants from one event, drawn from its verified bytes (never from the jsonb copy). */
export interface EventDescription {
  headline: string;
  time: string | null;
  who: string | null;
  model: string | null;
  decision: 'permit' | 'deny' | null;
  why: string | null;
  cost: string | null;
  policyVersion: string | null;
  requestId: string | null;
  writer: string | null;
  /** Type-specific facts, labelled for people. */
  details: [string, string][];
}

type Data = Record<string, unknown>;
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
const numOf = (v: unknown): number | null => (typeof v === 'number' ? v : null);
const obj = (v: unknown): Data => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Data) : {});

/** `user (team)`, the operator, or the subject. */
function whoOf(d: Data, subject: string | null): string | null {
  const user = str(d.user);
  if (user) return str(d.team) ? `${user} (team ${str(d.team)})` : user;
  if (str(d.team)) return `team ${str(d.team)}`;
  const principal = obj(d.principal);
  if (str(principal.id)) return str(principal.id);
  return str(d.operatorId) ? `operator ${str(d.operatorId)}` : subject;
}

/** Why a decision came out as it did: its determining policies (and any evaluation errors). */
function whyOf(d: Data): string | null {
  if (!Array.isArray(d.determiningPolicies)) return null;
  const because = reasonLabel(JSON.stringify(d.determiningPolicies));
  const errors = Array.isArray(d.errors) ? d.errors.length : 0;
  return errors > 0 ? `${because}; ${errors} policy evaluation error${errors === 1 ? '' : 's'}` : because;
}

function writerOf(w: string | null): string | null {
  if (!w) return null;
  const [kind, who] = w.split('/', 2);
  return kind === 'gateway' ? `the gateway (database role ${who})` : kind === 'operator' ? `operator ${who}` : w;
}

const LABELS: Record<string, string> = {
  classification: 'Classification',
  jurisdiction: 'Jurisdiction',
  purpose: 'Purpose',
  promptTokens: 'Prompt tokens',
  completionTokens: 'Completion tokens',
  totalTokens: 'Total tokens',
  latencyMs: 'Latency (ms)',
  status: 'Status',
  region: 'Region',
  reason: 'Reason',
  attempt: 'Attempt',
  direction: 'Direction',
  categories: 'Categories',
  count: 'Count',
  period: 'Period',
  role: 'Role',
  edipi: 'EDIPI',
  tokenLabel: 'Card',
  roles: 'Roles',
  slug: 'Tenant',
  name: 'Name',
  policyId: 'Policy',
  displayName: 'Name',
};
const CENTS = new Set(['budgetCents', 'spentCents']);

function detailsOf(d: Data): [string, string][] {
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(d)) {
    if (CENTS.has(k) && typeof v === 'number') out.push([k === 'budgetCents' ? 'Budget' : 'Spent', cents(v)]);
    else if (!LABELS[k]) continue;
    else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) out.push([LABELS[k], v.join(', ') || '—']);
    else if (typeof v === 'string' || typeof v === 'number') out.push([LABELS[k], String(v)]);
  }
  return out;
}

function headlineOf(type: string, d: Data, who: string | null, model: string | null): string {
  const by = who ?? 'someone';
  switch (type) {
    case 'com.arx.request.received':
      return `${by} sent a ${str(d.classification) ?? ''} request to ${model ?? 'a model'}`.replace('  ', ' ');
    case 'com.arx.policy.decided':
      return `The policy ${d.decision === 'deny' ? 'denied' : 'permitted'} the request of ${by}`;
    case 'com.arx.cost.recorded':
      return `${by} was charged ${cents(numOf(d.costCents))} for ${model ?? 'a model'}`;
    case 'com.arx.budget.exceeded':
      return `Team ${str(d.team) ?? '?'} went over its budget for ${str(d.period) ?? 'the period'}`;
    default:
      return `${shortType(type)}${who ? ` — ${who}` : ''}`;
  }
}

/** Describes a parsed CloudEvent; anything unexpected in it is left out rather than guessed. */
export function describeEvent(parsed: unknown): EventDescription {
  const e = obj(parsed);
  const d = obj(e.data);
  const type = str(e.type) ?? 'unknown type';
  const who = whoOf(d, str(e.subject));
  const model = str(d.provider) ? `${str(d.provider)} / ${str(d.model) ?? ''}` : null;
  const cost = numOf(d.costCents) ?? numOf(d.estimatedCostCents);
  const decision = d.decision === 'permit' || d.decision === 'deny' ? d.decision : null;
  return {
    headline: headlineOf(type, d, who, model),
    time: str(e.time),
    who,
    model,
    decision,
    why: whyOf(d),
    cost: cost === null ? null : `${cents(cost)}${numOf(d.costCents) === null ? ' (estimated before the call)' : ''}`,
    policyVersion: str(obj(d.policyVersion).sha256) ?? str(d.versionSha256),
    requestId: str(d.requestId),
    writer: writerOf(str(e.arxwriter)),
    details: detailsOf(d),
  };
}
