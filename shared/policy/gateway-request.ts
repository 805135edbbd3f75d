import { z } from 'zod';
import { DataClassificationSchema, ProviderSchema } from '../events/types';
import type { CedarEntity, CedarRequest, CedarValue, EntityUid } from './engine';
import { policyFail, policyOk, type PolicyResult } from './errors';
import { classificationLevel, ENTITY_TYPES, INVOKE_MODEL, modelEntityId, type DataClassification } from './schema';

/**
 * Turns a gateway request into the Cedar request that is both decided and recorded. Everything a
 * policy may look at is computed here, once, and written into the record (local hour, weekday,
 * classification level, justification length), so a replay reads it back instead of recomputing it.
 */

const id = z.string().min(1).max(128);
const count = z.number().int().min(0).max(Number.MAX_SAFE_INTEGER);

/** RFC 3339 in UTC with "Z", at most microseconds (DESIGN.md: times at microsecond precision). */
const RFC3339_UTC = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?Z$/;

export const GatewayRequestSchema = z
  .object({
    requestId: id,
    user: id,
    /** The team the request is billed to. */
    team: id,
    provider: ProviderSchema,
    model: id,
    classification: DataClassificationSchema,
    jurisdiction: z.string().regex(/^[A-Z]{2}$/, 'expected an ISO 3166-1 alpha-2 code'),
    purpose: z.string().min(1).max(64),
    promptTokens: count,
    estimatedCostCents: count,
    time: z.string().regex(RFC3339_UTC, 'expected RFC 3339 UTC, e.g. 2025-03-04T09:15:00Z'),
    /** The enclave's offset from UTC at `time`, in minutes (e.g. -300 for EST). */
    utcOffsetMinutes: z.number().int().min(-720).max(840),
    breakGlass: z
      .object({ justification: z.string().min(1).max(2000) })
      .strict()
      .optional(),
  })
  .strict();

export type GatewayRequest = z.output<typeof GatewayRequestSchema>;

export interface DirectoryUser {
  clearance: DataClassification;
  breakGlassEligible: boolean;
  teams: readonly string[];
}
export interface DirectoryTeam {
  organisation: string;
}
export interface DirectoryModel {
  maxClassification: DataClassification;
  jurisdictions: readonly string[];
  maxTokensPerRequest: number;
}

/** What the gateway knows about users, teams and models. Models are keyed by "<provider>/<model>". */
export interface GatewayDirectory {
  users: Readonly<Record<string, DirectoryUser>>;
  teams: Readonly<Record<string, DirectoryTeam>>;
  models: Readonly<Record<string, DirectoryModel>>;
}

export interface LocalTime {
  localHour: number;
  /** ISO 8601: 1 = Monday … 7 = Sunday. */
  localWeekday: number;
}

/** Hour and weekday at `utcOffsetMinutes` from UTC. Pure arithmetic: no time-zone database. */
export function localTimeOf(time: string, utcOffsetMinutes: number): LocalTime | undefined {
  const m = RFC3339_UTC.exec(time);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const utc = new Date(ms);
  // Date.UTC rolls 2025-02-30 over into March; a date that does not exist is refused instead.
  if (
    utc.getUTCFullYear() !== y ||
    utc.getUTCMonth() !== mo - 1 ||
    utc.getUTCDate() !== d ||
    utc.getUTCHours() !== h ||
    utc.getUTCMinutes() !== mi
  ) {
    return undefined;
  }
  const local = new Date(ms + utcOffsetMinutes * 60_000);
  return { localHour: local.getUTCHours(), localWeekday: ((local.getUTCDay() + 6) % 7) + 1 };
}

const has = (o: object, key: string): boolean => Object.prototype.hasOwnProperty.call(o, key);
const entityRef = (uid: EntityUid): CedarValue => ({ __entity: { type: uid.type, id: uid.id } });

/** The Cedar request for a gateway request: principal, action, resource, context and the entities it needs. Never throws. */
export function toCedarRequest(input: unknown, directory: GatewayDirectory): PolicyResult<CedarRequest> {
  try {
    return buildCedarRequest(input, directory);
  } catch (e) {
    // Only a malformed directory gets here (the request itself is parsed by zod first).
    return policyFail('POLICY_REQUEST_INVALID', `the directory could not be read for this request: ${String(e)}`);
  }
}

function buildCedarRequest(input: unknown, directory: GatewayDirectory): PolicyResult<CedarRequest> {
  const parsed = GatewayRequestSchema.safeParse(input);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const path = issue.path.join('.');
    return policyFail('POLICY_REQUEST_INVALID', `${path || 'request'}: ${issue.message}`, { path });
  }
  const req = parsed.data;
  const time = localTimeOf(req.time, req.utcOffsetMinutes);
  if (!time)
    return policyFail('POLICY_REQUEST_INVALID', `time: ${req.time} is not a date that exists`, { path: 'time' });

  if (!has(directory.users, req.user))
    return policyFail('POLICY_ENTITY_UNKNOWN', `unknown user ${JSON.stringify(req.user)}`, { path: 'user' });
  const user = directory.users[req.user]!;
  if (!user.teams.includes(req.team)) {
    return policyFail(
      'POLICY_REQUEST_INVALID',
      `user ${JSON.stringify(req.user)} is not a member of team ${JSON.stringify(req.team)}`,
      { path: 'team' },
    );
  }
  const modelId = modelEntityId(req.provider, req.model);
  if (!has(directory.models, modelId))
    return policyFail('POLICY_ENTITY_UNKNOWN', `unknown model ${JSON.stringify(modelId)}`, { path: 'model' });
  const model = directory.models[modelId]!;

  const principal = { type: ENTITY_TYPES.user, id: req.user };
  const resource = { type: ENTITY_TYPES.model, id: modelId };
  const entities: CedarEntity[] = [
    {
      uid: principal,
      attrs: { clearanceLevel: classificationLevel(user.clearance), breakGlassEligible: user.breakGlassEligible },
      parents: [...new Set(user.teams)].sort().map((t) => ({ type: ENTITY_TYPES.team, id: t })),
    },
    {
      uid: resource,
      attrs: {
        maxClassificationLevel: classificationLevel(model.maxClassification),
        jurisdictions: [...new Set(model.jurisdictions)].sort(),
        maxTokensPerRequest: model.maxTokensPerRequest,
      },
      parents: [{ type: ENTITY_TYPES.provider, id: req.provider }],
    },
  ];
  const teams = teamEntities(directory, req.user, user);
  if (!teams.ok) return teams;
  entities.push(...teams.value);
  const context = requestContext(req, time);
  return policyOk({ principal, action: { ...INVOKE_MODEL }, resource, context, entities });
}

/** The user's teams and their organisations, each once, in a stable order. */
function teamEntities(directory: GatewayDirectory, userId: string, user: DirectoryUser): PolicyResult<CedarEntity[]> {
  const entities: CedarEntity[] = [];
  const organisations = new Set<string>();
  for (const t of [...new Set(user.teams)].sort()) {
    if (!has(directory.teams, t))
      return policyFail(
        'POLICY_ENTITY_UNKNOWN',
        `unknown team ${JSON.stringify(t)} of user ${JSON.stringify(userId)}`,
        { path: 'team' },
      );
    const org = directory.teams[t]!.organisation;
    organisations.add(org);
    entities.push({
      uid: { type: ENTITY_TYPES.team, id: t },
      attrs: {},
      parents: [{ type: ENTITY_TYPES.organisation, id: org }],
    });
  }
  for (const o of [...organisations].sort())
    entities.push({ uid: { type: ENTITY_TYPES.organisation, id: o }, attrs: {}, parents: [] });
  return policyOk(entities);
}

/** The request's context: what was asked, when (local hour and weekday), and any break-glass justification. */
function requestContext(req: GatewayRequest, time: LocalTime): Record<string, CedarValue> {
  const context: Record<string, CedarValue> = {
    classification: entityRef({ type: ENTITY_TYPES.classification, id: req.classification }),
    classificationLevel: classificationLevel(req.classification),
    tokens: req.promptTokens,
    estimatedCostCents: req.estimatedCostCents,
    jurisdiction: req.jurisdiction,
    purpose: req.purpose,
    billingTeam: entityRef({ type: ENTITY_TYPES.team, id: req.team }),
    requestTime: req.time,
    utcOffsetMinutes: req.utcOffsetMinutes,
    localHour: time.localHour,
    localWeekday: time.localWeekday,
  };
  if (req.breakGlass) {
    context['breakGlass'] = {
      justification: req.breakGlass.justification,
      justificationLength: [...req.breakGlass.justification.trim()].length,
    };
  }
  return context;
}
