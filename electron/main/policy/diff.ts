import * as cedar from './cedar-node';
import canonicalize from 'canonicalize';
import { createTwoFilesPatch, diffLines } from 'diff';
import { canonicalTests } from '../../../shared/policy';
import { splitPolicySet } from '../../../shared/policy/policy-set';
import type { DiffSide } from './lifecycle';

/**
 * The difference between two policy versions (or a version and a draft, or nothing and a
 * version): a unified text diff and a line list from the `diff` package (Myers, jsdiff), and the
 * policies added, removed or changed, by @id. A policy counts as changed when its Cedar JSON form
 * differs: re-indenting or moving a policy is not a change; editing a condition or an annotation is.
 */
export function policyDiff(from: DiffSide | null, to: DiffSide | null) {
  const a = from?.text ?? '';
  const b = to?.text ?? '';
  const unified = createTwoFilesPatch(
    from ? `a/${from.digest.sha256.slice(0, 12)}.cedar` : '/dev/null',
    to ? `b/${to.digest.sha256.slice(0, 12)}.cedar` : '/dev/null',
    a,
    b,
    undefined,
    undefined,
    {
      context: 3,
    },
  );
  const lines: {
    kind: 'context' | 'added' | 'removed';
    text: string;
    oldLine: number | null;
    newLine: number | null;
  }[] = [];
  let o = 1;
  let n = 1;
  for (const part of diffLines(a, b)) {
    const texts = part.value.replace(/\n$/, '').split('\n');
    for (const text of texts) {
      if (part.added) lines.push({ kind: 'added', text, oldLine: null, newLine: n++ });
      else if (part.removed) lines.push({ kind: 'removed', text, oldLine: o++, newLine: null });
      else lines.push({ kind: 'context', text, oldLine: o++, newLine: n++ });
    }
  }
  const problems: string[] = [];
  const ids = (side: DiffSide | null, label: string): Map<string, string> | null => {
    const out = new Map<string, string>();
    if (!side) return out;
    const split = splitPolicySet(cedar, side.text);
    if (split.errors.length > 0) {
      problems.push(`the ${label} side does not parse: ${split.errors[0]!.message}`);
      return null;
    }
    for (const p of split.policies) {
      const json = cedar.policyToJson(p.text);
      out.set(p.id, json.type === 'success' ? (canonicalize(json.json) ?? p.text) : p.text);
    }
    return out;
  };
  const left = ids(from, 'old');
  const right = ids(to, 'new');
  const added: string[] = [];
  const removed: string[] = [];
  const changed: string[] = [];
  const unchanged: string[] = [];
  if (left && right) {
    for (const [id, form] of right) {
      const before = left.get(id);
      if (before === undefined) added.push(id);
      else if (before !== form) changed.push(id);
      else unchanged.push(id);
    }
    for (const id of left.keys()) if (!right.has(id)) removed.push(id);
  }
  const sort = (xs: string[]) => xs.sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
  return {
    from: from?.digest ?? null,
    to: to?.digest ?? null,
    unified,
    lines,
    added: sort(added),
    removed: sort(removed),
    changed: sort(changed),
    unchanged: sort(unchanged),
    schemaChanged: (from?.schema ?? '') !== (to?.schema ?? ''),
    testsChanged: canonicalTests(from?.tests ?? []) !== canonicalTests(to?.tests ?? []),
    problem: problems.length ? problems.join('; ') : null,
  };
}
