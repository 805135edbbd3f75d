import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

/**
 * The layering rule of DESIGN.md is enforced by eslint.config.js. These fixtures are linted as if
 * they sat in each layer: every forbidden import must be caught, and a legal one must pass.
 */
const root = join(import.meta.dirname, '..', '..', '..');
const eslint = new ESLint({ cwd: root });

async function layeringErrors(fixture: string, virtualPath: string): Promise<string[]> {
  const code = readFileSync(join(root, 'test', 'fixtures', 'layering', fixture), 'utf8');
  const [result] = await eslint.lintText(code, { filePath: join(root, virtualPath) });
  return result!.messages
    .filter((m) => m.ruleId === 'no-restricted-imports' || m.ruleId === 'no-restricted-globals')
    .map((m) => m.message);
}

const forbidden: [string, string, RegExp][] = [
  ['shared-imports-node.ts', 'shared/x/bad.ts', /Node built-ins/],
  ['shared-imports-react.ts', 'shared/x/bad.ts', /UI libraries/],
  ['shared-uses-window.ts', 'shared/x/bad.ts', /pure/],
  ['shared-imports-main.ts', 'shared/bad.ts', /electron\//],
  ['renderer-imports-electron.ts', 'renderer/src/bad.ts', /electron/],
  ['renderer-imports-fs.ts', 'renderer/src/bad.ts', /Node built-ins/],
  ['renderer-imports-pg.ts', 'renderer/src/bad.ts', /Node-only/],
  ['renderer-imports-main.ts', 'renderer/src/bad.ts', /electron\//],
  ['main-imports-electron.ts', 'electron/main/core/bad.ts', /Only electron\/main\/app/],
  ['main-app-imports-ipcrenderer.ts', 'electron/main/app/bad.ts', /preload/],
  ['main-imports-react.ts', 'electron/main/core/bad.ts', /UI libraries/],
  ['preload-imports-main.ts', 'electron/preload/bad.ts', /preload may import only/],
];

describe('layering (DESIGN.md "Layers and what may import what")', () => {
  for (const [fixture, where, why] of forbidden) {
    it(`catches ${fixture} in ${where}`, async () => {
      const errors = await layeringErrors(fixture, where);
      expect(errors.length).toBeGreaterThan(0);
      expect(errors.join('\n')).toMatch(why);
    });
  }

  it('lets shared/ import zod and other shared/ modules', async () => {
    expect(await layeringErrors('shared-allowed.ts', 'shared/allowed.ts')).toEqual([]);
  });

  it('lets electron/main/app import electron', async () => {
    expect(await layeringErrors('main-imports-electron.ts', 'electron/main/app/ok.ts')).toEqual([]);
  });
});
