import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { insertTemplate, policyIdsIn, POLICY_TEMPLATE_LIBRARY } from '../../../shared/policy/template-library';
import { call } from './support';

describe('template library', () => {
  it('covers every category the issue names', async () => {
    const templates = await call('policy.templates', {});
    expect(new Set(templates.map((t) => t.category))).toEqual(
      new Set(['classification', 'cost', 'jurisdiction', 'hours', 'break-glass']),
    );
    expect(new Set(templates.map((t) => t.key)).size).toBe(templates.length);
  });

  for (const t of POLICY_TEMPLATE_LIBRARY) {
    it(`${t.key} validates strictly on its own, with no warnings, under its declared @id`, async () => {
      const r = await call('policy.validate', { text: t.text });
      expect(r.diagnostics).toEqual([]);
      expect(r.policyIds).toEqual([t.policyId]);
    });

    it(`${t.key} validates appended to the default policies`, async () => {
      const inserted = insertTemplate(DEFAULT_POLICY_TEXT, t);
      const r = await call('policy.validate', { text: inserted.text });
      expect(r.diagnostics).toEqual([]);
      expect(r.policyIds.at(-1)).toBe(t.policyId);
    });
  }

  it('inserting the same template twice renames the second @id, and both validate', async () => {
    const t = POLICY_TEMPLATE_LIBRARY[0]!;
    const once = insertTemplate('', t);
    const twice = insertTemplate(once.text, t);
    const thrice = insertTemplate(twice.text, t);
    expect([once.policyId, twice.policyId, thrice.policyId]).toEqual([
      t.policyId,
      `${t.policyId}-2`,
      `${t.policyId}-3`,
    ]);
    expect(thrice.text.slice(thrice.from, thrice.to)).toContain(`@id("${t.policyId}-3")`);
    expect(policyIdsIn(thrice.text)).toEqual(new Set([t.policyId, `${t.policyId}-2`, `${t.policyId}-3`]));
    const r = await call('policy.validate', { text: thrice.text });
    expect(r.ok).toBe(true);
  });

  it('the inserted range is exactly the template text, after non-ASCII text too', () => {
    const t = POLICY_TEMPLATE_LIBRARY[2]!;
    const base = '// Übersicht 東京 🚀\n@id("x")\npermit (principal, action, resource);\n\n\n';
    const ins = insertTemplate(base, t);
    expect(ins.text.slice(ins.from, ins.to)).toBe(t.text);
    expect(ins.text.startsWith(base.trimEnd())).toBe(true);
  });
});
