import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICIES, DEFAULT_POLICY_TEXT } from '../../../shared/policy';
import { policyDiff } from '../../../electron/main/policy/diff';
import type { DiffSide } from '../../../electron/main/policy/lifecycle';

const side = (text: string, tests: unknown[] = []): DiffSide => ({
  text,
  schema: 's',
  tests,
  digest: { sha256: 'a'.repeat(64), blake3: 'b'.repeat(64) },
});

describe('policy diff', () => {
  it('names policies added, removed and changed by @id; re-indenting is not a change', () => {
    const before = DEFAULT_POLICY_TEXT;
    const after = DEFAULT_POLICY_TEXT.replace('> 200', '> 150')
      .replace(DEFAULT_POLICIES[3]!.text, '')
      .replace('@id("arx.limits.model-tokens")\nforbid (', '@id("arx.limits.model-tokens")\nforbid    (')
      .concat('\n@id("new.one") forbid (principal, action, resource) when { context.tokens > 9 };\n');
    const d = policyDiff(side(before), side(after, [{ name: 't' }]));
    expect(d.added).toEqual(['new.one']);
    expect(d.removed).toEqual([DEFAULT_POLICIES[3]!.id]);
    expect(d.changed).toEqual(['arx.cost.default-cap']);
    expect(d.unchanged).toContain('arx.limits.model-tokens');
    expect(d.testsChanged).toBe(true);
    expect(d.schemaChanged).toBe(false);
    expect(d.unified).toContain('-when { context.estimatedCostCents > 200 }');
    expect(d.unified).toContain('+when { context.estimatedCostCents > 150 }');
    const removed = d.lines.filter((l) => l.kind === 'removed').map((l) => l.text);
    expect(removed).toContain('when { context.estimatedCostCents > 200 }');
    // Every line of both sides appears once, with its numbers.
    expect(d.lines.filter((l) => l.oldLine !== null).length).toBe(before.split('\n').length - 1);
    expect(d.lines.filter((l) => l.newLine !== null).length).toBe(after.split('\n').length - 1);
    expect(d.problem).toBeNull();
  });

  it('from nothing: everything added; an unparsable side still gets a text diff and says so', () => {
    expect(policyDiff(null, side(DEFAULT_POLICY_TEXT)).added).toEqual(DEFAULT_POLICIES.map((p) => p.id).sort());
    const d = policyDiff(side(DEFAULT_POLICY_TEXT), side('permit (principal'));
    expect(d.problem).toContain('new side does not parse');
    expect(d.added).toEqual([]);
    expect(d.unified).toContain('+permit (principal');
  });
});
