/**
 * Default policies for the demo: a starting point an operator edits and submits for approval, not
 * a recommendation for any real enclave. Each has an @id (what decisions record) and a comment that
 * says why. Cedar denies by default and a forbid always beats a permit, so the set is one broad
 * permit narrowed by forbids; break-glass can lift the operational forbids (cost, hours) but never
 * classification or jurisdiction.
 */

export interface PolicyTemplate {
  id: string;
  title: string;
  text: string;
}

/** Justifications shorter than this (code points, trimmed) do not count as break-glass. */
export const MIN_JUSTIFICATION_LENGTH = 20;

const BREAK_GLASS = `context has breakGlass && principal.breakGlassEligible && context.breakGlass.justificationLength >= ${MIN_JUSTIFICATION_LENGTH}`;

export const DEFAULT_POLICIES: readonly PolicyTemplate[] = [
  {
    id: 'arx.permit.within-clearance',
    title: 'Users may send data up to their clearance',
    text: `// The only permit: everything below narrows it.
@id("arx.permit.within-clearance")
permit (
  principal is Arx::User,
  action == Arx::Action::"InvokeModel",
  resource is Arx::Model
)
when { context.classificationLevel <= principal.clearanceLevel };`,
  },
  {
    id: 'arx.classification.model-ceiling',
    title: 'A model receives data only up to its accredited classification',
    text: `@id("arx.classification.model-ceiling")
forbid (principal, action == Arx::Action::"InvokeModel", resource is Arx::Model)
when { context.classificationLevel > resource.maxClassificationLevel };`,
  },
  {
    id: 'arx.classification.secret-on-premises',
    title: 'Secret data goes only to the on-premises deployment',
    text: `// Demo assumption: the Mistral deployment runs inside the enclave; no other provider does.
@id("arx.classification.secret-on-premises")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.classification == Arx::Classification::"secret" }
unless { resource in Arx::Provider::"mistral" };`,
  },
  {
    id: 'arx.jurisdiction.model-region',
    title: 'Data stays in its jurisdiction: the model must process data there',
    text: `@id("arx.jurisdiction.model-region")
forbid (principal, action == Arx::Action::"InvokeModel", resource is Arx::Model)
unless { resource.jurisdictions.contains(context.jurisdiction) };`,
  },
  {
    id: 'arx.limits.model-tokens',
    title: "No request larger than the model's per-request token limit",
    text: `@id("arx.limits.model-tokens")
forbid (principal, action == Arx::Action::"InvokeModel", resource is Arx::Model)
when { context.tokens > resource.maxTokensPerRequest };`,
  },
  {
    id: 'arx.cost.default-cap',
    title: 'Per-request cost cap of $2.00 for teams without their own cap',
    text: `@id("arx.cost.default-cap")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.estimatedCostCents > 200 }
unless { context.billingTeam in [Arx::Team::"research", Arx::Team::"intel-analysis"] }
unless { ${BREAK_GLASS} };`,
  },
  {
    id: 'arx.cost.research-cap',
    title: 'Per-request cost cap of $20.00 for research',
    text: `@id("arx.cost.research-cap")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.billingTeam == Arx::Team::"research" && context.estimatedCostCents > 2000 }
unless { ${BREAK_GLASS} };`,
  },
  {
    id: 'arx.cost.intel-analysis-cap',
    title: 'Per-request cost cap of $10.00 for intel analysis',
    text: `@id("arx.cost.intel-analysis-cap")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when { context.billingTeam == Arx::Team::"intel-analysis" && context.estimatedCostCents > 1000 }
unless { ${BREAK_GLASS} };`,
  },
  {
    id: 'arx.hours.cui-off-hours',
    title: 'CUI and above only on weekdays 07:00-19:00 local time',
    text: `// Off hours nobody is on duty to review a CUI spill; break-glass is logged and reviewed.
@id("arx.hours.cui-off-hours")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when {
  context.classificationLevel >= 2 &&
  (context.localWeekday >= 6 || context.localHour < 7 || context.localHour >= 19)
}
unless { ${BREAK_GLASS} };`,
  },
  {
    id: 'arx.break-glass.misuse',
    title: 'Break-glass needs an eligible user and a real justification',
    text: `// Makes a refused break-glass visible as its own determining policy, not a silent fallback.
@id("arx.break-glass.misuse")
forbid (principal, action == Arx::Action::"InvokeModel", resource)
when {
  context has breakGlass &&
  (!principal.breakGlassEligible || context.breakGlass.justificationLength < ${MIN_JUSTIFICATION_LENGTH})
};`,
  },
];

/** The default policy set as one policy text (one version), in the order above. */
export const DEFAULT_POLICY_TEXT = `${DEFAULT_POLICIES.map((p) => p.text).join('\n\n')}\n`;
