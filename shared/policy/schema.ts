import { DATA_CLASSIFICATIONS, PROVIDERS } from '../events/types';

export type DataClassification = (typeof DATA_CLASSIFICATIONS)[number];

/**
 * The Cedar schema of the gateway domain (shared/policy/README.md, "The schema"). It is a TS string
 * rather than a .cedarschema file so that Vite, esbuild and vitest all load it without a text loader.
 *
 * Classifications and providers are Cedar enumerated entity types built from the same lists as the
 * audit events, so a typo such as Arx::Classification::"secrte" is a validation error, not a policy
 * that silently never matches. Cedar can compare only Longs, so the order of classifications is
 * given as a level: the index in DATA_CLASSIFICATIONS (public 0, internal 1, cui 2, secret 3).
 *
 * Cedar has no clock: the gateway derives the local hour and ISO weekday from the request time and
 * the enclave's UTC offset once, and they are recorded in the context, so replay never recomputes
 * them (and never depends on a time-zone database).
 *
 * Changing this schema changes what recorded decisions mean: add optional attributes only, and
 * bump GATEWAY_SCHEMA_VERSION when anything else changes.
 */
export const GATEWAY_SCHEMA_VERSION = 1;
export const NAMESPACE = 'Arx';

const cedarStringList = (values: readonly string[]): string => values.map((v) => JSON.stringify(v)).join(', ');

export const GATEWAY_SCHEMA = `// ARX gateway domain, schema version ${GATEWAY_SCHEMA_VERSION}
namespace ${NAMESPACE} {
  // Data classification of a request; the order is in context.classificationLevel.
  entity Classification enum [${cedarStringList(DATA_CLASSIFICATIONS)}];

  entity Organisation;
  entity Team in [Organisation];
  entity User in [Team] {
    // Level of the highest classification the user is cleared for (0 public .. 3 secret).
    clearanceLevel: Long,
    // May invoke break-glass with a justification.
    breakGlassEligible: Bool,
  };

  entity Provider enum [${cedarStringList(PROVIDERS)}];
  // Id: "<provider>/<model>", e.g. "anthropic/claude-sonnet-4".
  entity Model in [Provider] {
    // Level of the highest classification this model may receive.
    maxClassificationLevel: Long,
    // ISO 3166-1 alpha-2 codes of the jurisdictions where the model processes data.
    jurisdictions: Set<String>,
    maxTokensPerRequest: Long,
  };

  type BreakGlass = {
    justification: String,
    // Unicode code points, leading and trailing white space not counted: Cedar has no string length.
    justificationLength: Long,
  };

  action InvokeModel appliesTo {
    principal: [User],
    resource: [Model],
    context: {
      classification: Classification,
      classificationLevel: Long,
      // Prompt tokens as estimated by the gateway before the call.
      tokens: Long,
      estimatedCostCents: Long,
      // ISO 3166-1 alpha-2 code of the jurisdiction the data belongs to.
      jurisdiction: String,
      purpose: String,
      // The team the request is billed to; the user is a member of it.
      billingTeam: Team,
      // RFC 3339, UTC ("Z"), as received; hour and weekday below are derived from it.
      requestTime: String,
      utcOffsetMinutes: Long,
      // Local time of the enclave: hour 0..23, ISO weekday 1 (Monday) .. 7 (Sunday).
      localHour: Long,
      localWeekday: Long,
      breakGlass?: BreakGlass,
    },
  };
}
`;

export const ENTITY_TYPES = {
  classification: `${NAMESPACE}::Classification`,
  organisation: `${NAMESPACE}::Organisation`,
  team: `${NAMESPACE}::Team`,
  user: `${NAMESPACE}::User`,
  provider: `${NAMESPACE}::Provider`,
  model: `${NAMESPACE}::Model`,
  action: `${NAMESPACE}::Action`,
} as const;

export const INVOKE_MODEL = { type: ENTITY_TYPES.action, id: 'InvokeModel' } as const;

/** The classification level that policies compare (index in DATA_CLASSIFICATIONS). */
export function classificationLevel(c: DataClassification): number {
  return DATA_CLASSIFICATIONS.indexOf(c);
}

/** The Cedar entity id of a model: provider and model name, so that ids are unique across providers. */
export function modelEntityId(provider: string, model: string): string {
  return `${provider}/${model}`;
}
