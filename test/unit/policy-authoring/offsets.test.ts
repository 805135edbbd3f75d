import { describe, expect, it } from 'vitest';
import { call } from './support';

/**
 * policy.validate answers in editor coordinates: UTF-16 offsets into the text that was sent, and
 * code-point columns. Cedar counts UTF-8 bytes, so any non-ASCII text before an error would shift
 * a naive mapping; each case below puts some there and checks the range lands on the bad token.
 */
const permit = (cond: string) =>
  `@id("p")\npermit (principal is Arx::User, action == Arx::Action::"InvokeModel", resource is Arx::Model)\nwhen { ${cond} };\n`;

describe('policy.validate positions', () => {
  const cases: [string, string][] = [
    ['ASCII only', '// plain comment\n'],
    ['Latin-1 (2 bytes each)', '// Büro für Sicherheit: Überprüfung\n'],
    ['CJK (3 bytes, 1 UTF-16 unit)', '// 東京の機密データ\n'],
    ['emoji (4 bytes, 2 UTF-16 units)', '// 🚀🛡️ launch policy 🔐\n'],
  ];
  for (const [label, comment] of cases) {
    it(`a type error after ${label} is underlined at the bad attribute`, async () => {
      const text = `${comment}${permit('context.classificationLevl <= principal.clearanceLevel')}`;
      const r = await call('policy.validate', { text });
      expect(r.ok).toBe(false);
      const d = r.diagnostics.find((x) => x.severity === 'error');
      expect(d?.code).toBe('POLICY_VALIDATION_ERROR');
      expect(d?.policyId).toBe('p');
      expect(d?.range).not.toBeNull();
      const { from, to, line, column } = d!.range!;
      // Cedar underlines the whole attribute access expression.
      expect(text.slice(from, to)).toBe('context.classificationLevl');
      expect(line).toBe(comment.split('\n').length + 2);
      expect(column).toBe('when { '.length + 1);
    });
  }

  it('a parse error inside a string with emoji: the range is on the token after it', async () => {
    const text = `@id("p")\npermit (principal, action, resource)\nwhen { context.purpose == "résumé 🚀" && };\n`;
    const r = await call('policy.validate', { text });
    expect(r.ok).toBe(false);
    const d = r.diagnostics[0]!;
    expect(d.code).toBe('POLICY_PARSE_ERROR');
    expect(d.range).not.toBeNull();
    // The parser stops at the `}` where an operand was expected.
    expect(text.slice(d.range!.from, d.range!.from + 1)).toBe('}');
    expect(d.range!.line).toBe(3);
    // Columns count code points: the emoji is one.
    expect(d.range!.column).toBe([...'when { context.purpose == "résumé 🚀" && '].length + 1);
  });

  it('Cedar help text comes through when Cedar gives one', async () => {
    const text = permit('context.classificationLevl <= principal.clearanceLevel');
    const r = await call('policy.validate', { text });
    const d = r.diagnostics.find((x) => x.severity === 'error')!;
    expect(d.help).toMatch(/classificationLevel/);
  });

  it('a missing @id is an error located on the policy', async () => {
    const text = `// 東京\npermit (principal, action, resource);\n`;
    const r = await call('policy.validate', { text });
    expect(r.diagnostics.map((d) => d.code)).toEqual(['POLICY_ID_MISSING']);
    const range = r.diagnostics[0]!.range!;
    expect(text.slice(range.from, range.to)).toBe('permit (principal, action, resource);');
    expect(range.line).toBe(2);
  });

  it('a clean text answers ok with its ids and no diagnostics', async () => {
    const r = await call('policy.validate', {
      text: permit('context.classificationLevel <= principal.clearanceLevel'),
    });
    expect(r).toMatchObject({ ok: true, policyIds: ['p'], diagnostics: [], errorCount: 0, warningCount: 0 });
    expect(r.cedarVersion).toMatch(/^\d+\.\d+/);
  });
});
