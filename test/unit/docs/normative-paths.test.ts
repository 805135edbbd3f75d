import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * The specifications an independent team implements from (docs/bundle-format.md,
 * chain-format.md, fidelity-certificates.md, policy-versions.md) state every rule in their text:
 * a normative section never points into ARX's source. Sections whose heading says "informative"
 * (with their subsections) may name where ARX implements something.
 */
const SPECS = ['bundle-format.md', 'chain-format.md', 'fidelity-certificates.md', 'policy-versions.md'];
const SOURCE_PATH = /(^|[^A-Za-z0-9_./-])(\.\.\/)?(electron|shared|renderer)\//;

/** Lines of normative text: [line number, text], skipping informative sections and their subsections. */
function normativeLines(markdown: string): [number, string][] {
  const out: [number, string][] = [];
  let informativeBelow = 0; // heading level of the informative section we are in, 0 for none
  for (const [i, line] of markdown.split('\n').entries()) {
    const h = /^(#{1,6}) /.exec(line);
    if (h) {
      const level = h[1]!.length;
      if (informativeBelow && level <= informativeBelow) informativeBelow = 0;
      if (!informativeBelow && /informative/i.test(line)) informativeBelow = level;
    }
    if (!informativeBelow) out.push([i + 1, line]);
  }
  return out;
}

describe('normative sections of the specifications', () => {
  for (const name of SPECS)
    it(`${name} names no path under electron/, shared/ or renderer/ outside informative sections`, () => {
      const text = readFileSync(join(process.cwd(), 'docs', name), 'utf8');
      const offending = normativeLines(text)
        .filter(([, l]) => SOURCE_PATH.test(l))
        .map(([n, l]) => `${name}:${n}: ${l.trim().slice(0, 100)}`);
      expect(offending).toEqual([]);
    });

  it('the check itself catches a path in a normative section and skips informative ones', () => {
    const doc = [
      '## 1. Rules',
      'See `electron/main/x.ts`.',
      '## 2. Notes (informative)',
      '`shared/y.ts`',
      '### 2.1 Sub',
      'renderer/z',
      '## 3. More',
      'the shared/ folder',
    ];
    const hits = normativeLines(doc.join('\n')).filter(([, l]) => SOURCE_PATH.test(l));
    expect(hits.map(([n]) => n)).toEqual([2, 8]);
  });
});
