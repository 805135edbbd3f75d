import { MIN_JUSTIFICATION_LENGTH } from './templates';

/**
 * The editor's library of common rules. Each is one policy with an @id and a
 * comment, written against the gateway schema, with the values an officer changes (models, teams,
 * amounts, hours, countries) spelled out in the text: a template is inserted as text and edited,
 * not filled in through a form, so what is signed is exactly what the officer read. Every template
 * validates on its own and next to the default policies (test/unit/policy-authoring/templates.test.ts).
 */

export type PolicyTemplateCategory = 'classification' | 'cost' | 'jurisdiction' | 'hours' | 'break-glass';

export interface LibraryTemplate {
  /** Stable key of the template in the library. */
  key: string;
  category: PolicyTemplateCategory;
  title: string;
  /** What it does and what to edit, one or two sentences. */
  description: string;
  /** The @id the template's policy carries (made unique on insertion). */
  policyId: string;
  text: string;
}

const breakGlass = `context has breakGlass && principal.breakGlassEligible && context.breakGlass.justificationLength >= ${MIN_JUSTIFICATION_LENGTH}`;

export const POLICY_TEMPLATE_LIBRARY: readonly LibraryTemplate[] = [
  {
    key: 'classification.approved-models',
    category: 'classification',
    title: 'Models allowed per classification level',
    description:
      'CUI and above may go only to the listed models, whatever their own accreditation says. Edit the level and the list.',
    policyId: 'classification.cui-approved-models',
    text: `// CUI (level 2) and above only to models this enclave approved for it.
@id("classification.cui-approved-models")
forbid (principal, action == Arx::Action::"InvokeModel", resource is Arx::Model)
when { context.classificationLevel >= 2 }
unless {
  resource in [
    Arx::Model::"anthropic/claude-sonnet-4",
    Arx::Model::"mistral/mistral-large-enclave"
  ]
};`,
  },
  {
    key: 'classification.provider-ceiling',
    category: 'classification',
    title: 'Classification ceiling for a provider',
    description: 'No data above the given level to any model of one provider. Edit the provider and the level.',
    policyId: 'classification.groq-public-only',
    text: `// Groq-hosted models receive public data only (level 0).
@id("classification.groq-public-only")
forbid (principal, action == Arx::Action::"InvokeModel", resource in Arx::Provider::"groq")
when { context.classificationLevel > 0 };`,
  },
  {
    key: 'cost.team-cap',
    category: 'cost',
    title: 'Cost cap per team',
    description:
      'A per-request cost cap, in cents, for one billing team; break-glass lifts it. Edit the team and the amount.',
    policyId: 'cost.operations-cap',
    text: `// Operations: at most $5.00 per request unless break-glass with a justification.
@id("cost.operations-cap")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.billingTeam == Arx::Team::"operations" && context.estimatedCostCents > 500 }
unless { ${breakGlass} };`,
  },
  {
    key: 'cost.token-cap',
    category: 'cost',
    title: 'Prompt size cap per team',
    description:
      'A per-request limit on prompt tokens for one team, below the model limit. Edit the team and the number.',
    policyId: 'cost.operations-token-cap',
    text: `@id("cost.operations-token-cap")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.billingTeam == Arx::Team::"operations" && context.tokens > 50000 };`,
  },
  {
    key: 'jurisdiction.allowed',
    category: 'jurisdiction',
    title: 'Jurisdiction limits',
    description: 'Only data from the listed jurisdictions (ISO 3166-1 alpha-2) is processed at all. Edit the list.',
    policyId: 'jurisdiction.allowed-origins',
    text: `// Data from other jurisdictions is refused, whatever the model.
@id("jurisdiction.allowed-origins")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
unless { ["US", "DE", "FR", "IE"].contains(context.jurisdiction) };`,
  },
  {
    key: 'jurisdiction.model-pin',
    category: 'jurisdiction',
    title: 'Jurisdiction pinned to models that process there',
    description: 'Data of one jurisdiction only to models that process data in it. Edit the country.',
    policyId: 'jurisdiction.de-stays-in-de',
    text: `@id("jurisdiction.de-stays-in-de")
forbid (principal, action == Arx::Action::"InvokeModel", resource is Arx::Model)
when { context.jurisdiction == "DE" && !resource.jurisdictions.contains("DE") };`,
  },
  {
    key: 'hours.off-hours',
    category: 'hours',
    title: 'Off-hours restriction',
    description:
      'Internal data and above only on weekdays within office hours (enclave local time); break-glass lifts it. Edit the level and the hours.',
    policyId: 'hours.internal-office-hours',
    text: `// Weekdays 06:00-20:00 local time for internal (level 1) and above.
@id("hours.internal-office-hours")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when {
  context.classificationLevel >= 1 &&
  (context.localWeekday >= 6 || context.localHour < 6 || context.localHour >= 20)
}
unless { ${breakGlass} };`,
  },
  {
    key: 'break-glass.justification',
    category: 'break-glass',
    title: 'Break-glass with a justification',
    description:
      'Break-glass counts only for eligible users with a justification of at least the given length (code points, trimmed). Edit the length.',
    policyId: 'break-glass.justification-required',
    text: `// A refused break-glass is its own determining policy, so the audit shows why.
@id("break-glass.justification-required")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when {
  context has breakGlass &&
  (!principal.breakGlassEligible || context.breakGlass.justificationLength < 40)
};`,
  },
  {
    key: 'break-glass.never-secret',
    category: 'break-glass',
    title: 'No break-glass for secret data',
    description: 'Break-glass is refused outright for secret requests, so no lifted rule can ever apply to them.',
    policyId: 'break-glass.not-for-secret',
    text: `@id("break-glass.not-for-secret")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context has breakGlass && context.classification == Arx::Classification::"secret" };`,
  },
];

const ID_ANNOTATION = /@id\(\s*"((?:[^"\\]|\\.)*)"\s*\)/g;

/** The @id values that appear in a policy text (a textual scan: works on text that does not parse). */
export function policyIdsIn(text: string): Set<string> {
  const ids = new Set<string>();
  for (const m of text.matchAll(ID_ANNOTATION)) ids.add(m[1]!);
  return ids;
}

export interface TemplateInsertion {
  /** The whole new text. */
  text: string;
  /** The @id the inserted policy got (the template's, or with a -2, -3 … suffix when taken). */
  policyId: string;
  /** UTF-16 range of the inserted policy in `text` (for the editor to select it). */
  from: number;
  to: number;
}

/**
 * Appends a template to a policy text, renaming its @id when the text already uses it (a duplicate
 * id is a validation error, and the officer should see the rule, not an error, after inserting).
 */
export function insertTemplate(text: string, template: LibraryTemplate): TemplateInsertion {
  const taken = policyIdsIn(text);
  let policyId = template.policyId;
  for (let n = 2; taken.has(policyId); n++) policyId = `${template.policyId}-${n}`;
  const body = template.text.replace(`@id("${template.policyId}")`, `@id("${policyId}")`);
  const trimmed = text.replace(/\s+$/, '');
  const prefix = trimmed === '' ? '' : `${trimmed}\n\n`;
  const from = prefix.length;
  return { text: `${prefix}${body}\n`, policyId, from, to: from + body.length };
}
