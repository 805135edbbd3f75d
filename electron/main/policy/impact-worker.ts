import * as cedar from './cedar-node';
import { ArxFailure } from '../../../shared/contract';
import { compilePolicySet, type CedarRequest, type PolicyEngine } from '../../../shared/policy';
import { serveWorker } from '../workers/serve';
import { emptyTally, MAX_EXAMPLES, trimExamples, type FromWorker, type ToWorker } from './impact-protocol';

/**
 * One impact-replay worker: compiles the draft once, then decides each recorded request again
 * (com.arx.policy.decided carries the whole Cedar request) and counts the flips. Runs on its own
 * core; the main thread only streams rows from PostgreSQL.
 */
let engine: PolicyEngine | null = null;
const tally = emptyTally();

const bump = (
  rec: Record<string, { permitToDeny: number; denyToPermit: number }>,
  key: string,
  dir: 'permitToDeny' | 'denyToPermit',
) => {
  (rec[key] ??= { permitToDeny: 0, denyToPermit: 0 })[dir]++;
};

interface DecidedData {
  requestId: string;
  decision: 'permit' | 'deny';
  principal: CedarRequest['principal'];
  action: CedarRequest['action'];
  resource: CedarRequest['resource'];
  context: CedarRequest['context'];
  entities: CedarRequest['entities'];
}

function handle(m: ToWorker): FromWorker {
  if (m.op === 'init') {
    const compiled = compilePolicySet(cedar, m.text, { schema: m.schema });
    if (!compiled.ok) throw cannotReplay(compiled.error.message);
    engine = compiled.value;
    return { op: 'ready' };
  }
  if (m.op === 'finish') return { op: 'tally', tally };
  if (!engine) throw cannotReplay('batch before init');
  for (let i = 0; i < m.events.length; i++) {
    let data: DecidedData;
    let eventId: string;
    try {
      const ev = JSON.parse(m.events[i]!) as { id: string; data: DecidedData };
      data = ev.data;
      eventId = ev.id;
    } catch {
      tally.errors++;
      continue;
    }
    const r = engine.evaluate({
      principal: data.principal,
      action: data.action,
      resource: data.resource,
      context: data.context,
      entities: data.entities,
    });
    if (!r.ok) {
      tally.errors++;
      continue;
    }
    tally.replayed++;
    if (r.value.flagged) tally.flagged++;
    if (r.value.decision === data.decision) continue;
    const dir = data.decision === 'permit' ? 'permitToDeny' : 'denyToPermit';
    const team = teamOf(data.context);
    const model = data.resource.id;
    const provider = model.includes('/') ? model.slice(0, model.indexOf('/')) : model;
    tally.totals[dir]++;
    bump(tally.byTeam, team, dir);
    bump(tally.byModel, model, dir);
    bump(tally.byProvider, provider, dir);
    tally.examples.push({
      seq: m.seqs[i]!,
      eventId,
      requestId: data.requestId,
      user: data.principal.id,
      team,
      model,
      provider,
      recorded: data.decision,
      now: r.value.decision,
      determiningPolicies: r.value.determiningPolicies,
    });
    if (tally.examples.length > 4 * MAX_EXAMPLES) tally.examples = trimExamples(tally.examples);
  }
  tally.examples = trimExamples(tally.examples);
  return { op: 'done-batch', id: m.id, processed: m.events.length };
}

const cannotReplay = (message: string) =>
  new ArxFailure('POLICY_SUBMIT_BLOCKED', `The policy cannot be replayed: ${message}`);

serveWorker<ToWorker, FromWorker>({ handle });

function teamOf(context: Record<string, unknown>): string {
  const t = context['billingTeam'] as { __entity?: { id?: string } } | undefined;
  return t?.__entity?.id ?? '(none)';
}
