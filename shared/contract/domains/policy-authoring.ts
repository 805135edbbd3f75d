import { z } from 'zod';
import { def, empty, type CommandDef } from '../define';
import { PolicyTestsSchema } from './policy-lifecycle';

/**
 * Policy authoring: validation, formatting, the template library and the
 * policy tests of a draft. Everything runs in main with Cedar's WASM, so the renderer's CSP needs
 * no 'wasm-unsafe-eval'. Nothing here stores anything: drafts and versions are the lifecycle's
 * (./policy-lifecycle.ts).
 */

/** A policy text as typed: up to 1 MiB of UTF-16 (a 200-policy set is ~60 KiB). */
export const PolicyTextSchema = z.string().max(1_048_576);

export const EditorRangeSchema = z
  .object({
    /** UTF-16 offsets into the text sent (CodeMirror positions). */
    from: z.number().int().min(0),
    to: z.number().int().min(0),
    /** 1-based line; 1-based column in code points. */
    line: z.number().int().min(1),
    column: z.number().int().min(1),
    endLine: z.number().int().min(1),
    endColumn: z.number().int().min(1),
  })
  .strict();

export const EditorDiagnosticSchema = z
  .object({
    severity: z.enum(['error', 'warning']),
    /** POLICY_ERROR_CODES of shared/policy/errors.ts. */
    code: z.string(),
    message: z.string(),
    /** Cedar's help text, when it gives one. */
    help: z.string().nullable(),
    policyId: z.string().nullable(),
    range: EditorRangeSchema.nullable(),
  })
  .strict();

export const PolicyValidationSchema = z
  .object({
    /** No errors (warnings alone do not fail). */
    ok: z.boolean(),
    policyIds: z.array(z.string()),
    diagnostics: z.array(EditorDiagnosticSchema),
    errorCount: z.number().int().min(0),
    warningCount: z.number().int().min(0),
    cedarVersion: z.string(),
  })
  .strict();

export const PolicyTemplateSchema = z
  .object({
    key: z.string(),
    category: z.enum(['classification', 'cost', 'jurisdiction', 'hours', 'break-glass']),
    title: z.string(),
    description: z.string(),
    policyId: z.string(),
    text: z.string(),
  })
  .strict();

export const PolicyTestResultSchema = z
  .object({
    name: z.string(),
    status: z.enum(['pass', 'fail', 'error']),
    decision: z.enum(['permit', 'deny']).nullable(),
    determiningPolicies: z.array(z.string()),
    evaluationErrors: z.array(z.object({ policyId: z.string(), message: z.string() }).strict()),
    message: z.string(),
  })
  .strict();

export const PolicyTestRunSchema = z
  .object({
    evaluated: z.boolean(),
    results: z.array(PolicyTestResultSchema),
    passed: z.number().int().min(0),
    failed: z.number().int().min(0),
    errored: z.number().int().min(0),
  })
  .strict();

export const policyAuthoringCommands = {
  'policy.validate': def({
    summary:
      'Parse and strictly validate a policy text against the gateway schema; diagnostics in editor positions with Cedar help.',
    request: z.object({ text: PolicyTextSchema }).strict(),
    response: PolicyValidationSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Pure computation on the text in the request; reads no tenant data.' },
  }),
  'policy.format': def({
    summary: "Format a policy text with Cedar's formatter (comments kept); parse errors are located.",
    request: z.object({ text: PolicyTextSchema }).strict(),
    response: z.object({ text: z.string(), changed: z.boolean() }).strict(),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Pure computation on the text in the request; reads no tenant data.' },
  }),
  'policy.templates': def({
    summary: 'The library of policy templates (classification, cost, jurisdiction, hours, break-glass).',
    request: empty,
    response: z.array(PolicyTemplateSchema),
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Built-in examples; no tenant data.' },
  }),
  'policy.test': def({
    summary:
      "Run a draft's named test requests: expected decision and determining policies; pass, fail or evaluation error.",
    request: z.object({ text: PolicyTextSchema, tests: PolicyTestsSchema }).strict(),
    response: PolicyTestRunSchema,
    requiresConsent: true,
    offline: 'none',
    access: { session: 'none', why: 'Pure computation on the text and tests in the request; reads no tenant data.' },
  }),
} as const satisfies Record<string, CommandDef>;

/** Stable error codes of this domain (see ../errors.ts: add at the end, never rename). */
export const POLICY_AUTHORING_ERROR_CODES = [
  /** policy.format: the text does not parse, so it is not formatted. details.diagnostics has the located parse errors. */
  'POLICY_FORMAT_UNPARSABLE',
] as const;

/** Events of this domain pushed from main to the renderer (merged into ../events.ts). */
export const policyAuthoringEvents = {} as const;
