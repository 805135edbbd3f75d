import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { POLICY_TEMPLATE_LIBRARY } from '../../../shared/policy/template-library';
import * as cedar from '../../../electron/main/policy/cedar-node';
import { ArxFailure } from '../../../shared/contract';
import { call } from './support';

/** The policies of a text as Cedar's JSON, keyed by @id: what formatting must not change. */
function policiesById(text: string): Record<string, unknown> {
  const parts = cedar.policySetTextToParts(text);
  if (parts.type !== 'success') throw new Error('does not parse');
  const out: Record<string, unknown> = {};
  for (const p of parts.policies) {
    const j = cedar.policyToJson(p);
    if (j.type !== 'success') throw new Error('policyToJson failed');
    out[j.json.annotations!['id']!] = j.json;
  }
  return out;
}

const messy = `// Büro 東京: keep this comment
@id("messy")   permit(principal is Arx::User,action==Arx::Action::"InvokeModel",resource is Arx::Model)
when{context.classificationLevel<=principal.clearanceLevel && context.tokens < 100000 // inline note
};
@id("messy-2") forbid(principal,action,resource) unless {  ["US","DE"].contains(context.jurisdiction) };`;

describe('policy.format', () => {
  for (const [label, text] of [
    ['a messy text with comments and non-ASCII', messy],
    ['the default policies', DEFAULT_POLICY_TEXT],
    ['every template together', POLICY_TEMPLATE_LIBRARY.map((t) => t.text).join('\n')],
  ] as const) {
    it(`round-trips ${label}: same policies, comments kept, formatting again changes nothing`, async () => {
      const once = await call('policy.format', { text });
      expect(policiesById(once.text)).toEqual(policiesById(text));
      for (const comment of text.match(/\/\/[^\n]*/g) ?? []) expect(once.text).toContain(comment.trim());
      const twice = await call('policy.format', { text: once.text });
      expect(twice).toEqual({ text: once.text, changed: false });
      const v = await call('policy.validate', { text: once.text });
      expect(v.ok).toBe(true);
    });
  }

  it('reports that a messy text changed', async () => {
    const r = await call('policy.format', { text: messy });
    expect(r.changed).toBe(true);
    expect(r.text).toContain('@id("messy")\npermit (');
  });

  it('refuses text that does not parse with POLICY_FORMAT_UNPARSABLE and a located diagnostic', async () => {
    const text = '// 🚀\n@id("p")\npermit (principal, action resource);\n';
    const err = await call('policy.format', { text }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ArxFailure);
    const f = err as ArxFailure;
    expect(f.code).toBe('POLICY_FORMAT_UNPARSABLE');
    expect(f.message).toContain('line 3');
    const d = (f.details!['diagnostics'] as { range: { from: number; to: number } }[])[0]!;
    expect(text.slice(d.range.from, d.range.to)).toBe('resource');
  });
});
