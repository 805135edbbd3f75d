import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT, GATEWAY_SCHEMA, validatePolicies } from '../../../shared/policy';
import { cedar } from './support';

const permit = (id: string, when = 'true') =>
  `@id("${id}")\npermit (principal, action == Arx::Action::"InvokeModel", resource)\nwhen { ${when} };\n`;

describe('validatePolicies', () => {
  it('accepts the default policies under strict validation, with their ids in text order', () => {
    const r = validatePolicies(cedar, DEFAULT_POLICY_TEXT);
    expect(r.errors).toEqual([]);
    expect(r.warnings).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.policyIds[0]).toBe('arx.permit.within-clearance');
    expect(new Set(r.policyIds).size).toBe(r.policyIds.length);
  });

  it('locates a syntax error after non-ASCII text by character line and column', () => {
    const text = `// Richtlinie für das Büro in 東京 🚀 — übersetzt\n${permit('a')}@id("b") permit (principal, action, resource) when { context.tokens > };\n`;
    const r = validatePolicies(cedar, text);
    expect(r.ok).toBe(false);
    const e = r.errors[0]!;
    expect(e.code).toBe('POLICY_PARSE_ERROR');
    expect(e.source).toBe('policies');
    const line5 = text.split('\n')[4]!;
    expect(e.location).toMatchObject({ line: 5, column: [...line5.slice(0, line5.indexOf('}'))].length + 1 });
    expect(text.slice(e.location!.start, e.location!.end)).toBe('}');
  });

  it('locates a validation error after non-ASCII text and names it by our @id', () => {
    // Eleven policies so that Cedar's own names sort differently from their order (policy10 < policy2).
    const filler = Array.from({ length: 10 }, (_, i) =>
      permit(`filler-${i}`, `context.purpose == "Zweck ${i}: Überprüfung 東京 🚀"`),
    ).join('');
    const text = `${filler}@id("the-bad-one")\nforbid (principal, action, resource)\nwhen { context.clasification == Arx::Classification::"cui" };\n`;
    const r = validatePolicies(cedar, text);
    expect(r.ok).toBe(false);
    expect(r.errors).toHaveLength(1);
    const e = r.errors[0]!;
    expect(e).toMatchObject({ code: 'POLICY_VALIDATION_ERROR', policyId: 'the-bad-one', source: 'policies' });
    expect(e.message).toContain('the-bad-one');
    expect(e.message).not.toMatch(/policy\d+/);
    const lines = text.split('\n');
    const lineNo = lines.findIndex((l) => l.includes('clasification')) + 1;
    expect(e.location!.line).toBe(lineNo);
    expect(text.slice(e.location!.start, e.location!.end)).toContain('context.clasification');
    expect(e.location!.column).toBe(lines[lineNo - 1]!.indexOf('context.clasification') + 1);
  });

  it('reports a misspelt classification or provider as an error, not a policy that never matches', () => {
    const r = validatePolicies(
      cedar,
      `${permit('a', 'context.classification == Arx::Classification::"secrte"')}${permit('b', 'resource in Arx::Provider::"antropic"')}`,
    );
    expect(r.errors.map((e) => [e.code, e.policyId])).toEqual([
      ['POLICY_VALIDATION_ERROR', 'a'],
      ['POLICY_VALIDATION_ERROR', 'b'],
    ]);
    expect(r.errors[0]!.help).toContain('"secret"');
  });

  it('refuses an optional attribute read without a `has` guard (strict mode)', () => {
    const r = validatePolicies(cedar, permit('bg', 'context.breakGlass.justificationLength > 0'));
    expect(r.errors).toHaveLength(1);
    expect(r.errors[0]).toMatchObject({ code: 'POLICY_VALIDATION_ERROR', policyId: 'bg' });
    expect(r.errors[0]!.message).toMatch(/optional attribute `breakGlass`/);
  });

  it('requires every policy to carry a valid, unique @id', () => {
    const missing = validatePolicies(cedar, `${permit('a')}permit (principal, action, resource);\n`);
    expect(missing.errors.map((e) => e.code)).toEqual(['POLICY_ID_MISSING']);
    expect(missing.errors[0]!.location).toMatchObject({ line: 4, column: 1 });

    const dup = validatePolicies(cedar, `${permit('a')}${permit('a')}`);
    expect(dup.errors.map((e) => [e.code, e.policyId])).toEqual([['POLICY_ID_DUPLICATE', 'a']]);
    expect(dup.errors[0]!.location!.line).toBe(4);

    const bad = validatePolicies(cedar, permit('grüße'));
    expect(bad.errors.map((e) => e.code)).toEqual(['POLICY_ID_INVALID']);
  });

  it('refuses templates', () => {
    const r = validatePolicies(cedar, `@id("t") permit (principal == ?principal, action, resource);`);
    expect(r.errors.map((e) => e.code)).toEqual(['POLICY_TEMPLATE_UNSUPPORTED']);
    expect(r.errors[0]!.location).toMatchObject({ line: 1, column: 1 });
  });

  it('locates an error in the schema in the schema text', () => {
    const schema = GATEWAY_SCHEMA.replace('clearanceLevel: Long,', 'clearanceLevel: Lnog Lnog,');
    const r = validatePolicies(cedar, permit('a'), schema);
    expect(r.ok).toBe(false);
    expect(r.errors[0]).toMatchObject({ code: 'POLICY_SCHEMA_ERROR', source: 'schema' });
    const loc = r.errors[0]!.location!;
    expect(schema.split('\n')[loc.line - 1]).toContain('Lnog');
  });

  it('an empty policy text is valid and has no policies', () => {
    expect(validatePolicies(cedar, '')).toEqual({ ok: true, policyIds: [], errors: [], warnings: [] });
  });

  it('never throws on hostile text', () => {
    for (const text of [
      '@id("x")'.repeat(10_000),
      '('.repeat(100_000),
      'permit (principal, action, resource) when { "\\u{110000}" };',
      '\u0000\uffff\ud800',
    ]) {
      const r = validatePolicies(cedar, text);
      expect(r.ok).toBe(false);
      expect(r.errors.length).toBeGreaterThan(0);
    }
    // …and Cedar is still usable afterwards.
    expect(validatePolicies(cedar, DEFAULT_POLICY_TEXT).ok).toBe(true);
  });
});
