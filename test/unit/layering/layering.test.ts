import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ESLint, RuleTester } from 'eslint';
import { describe, expect, it } from 'vitest';
import zonesPlugin from '../../../lint/main-zones.js';

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
    .filter((m) => ['no-restricted-imports', 'no-restricted-globals', 'arx/main-zones'].includes(m.ruleId ?? ''))
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
  // BLAKE3 comes only through crypto/blake3.ts, which alone chooses the engine.
  ['main-imports-hash-wasm-blake3.ts', 'electron/main/chain/bad.ts', /BLAKE3 comes from crypto\/blake3\.ts/],
  ['main-imports-blake3-part.ts', 'electron/main/bundle/bad.ts', /BLAKE3 comes from crypto\/blake3\.ts/],
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

  it('lets any service take BLAKE3 from crypto/blake3.ts, and crypto/ use its own parts', async () => {
    expect(await layeringErrors('main-imports-blake3-facade.ts', 'electron/main/chain/ok.ts')).toEqual([]);
    expect(await layeringErrors('main-imports-hash-wasm-blake3.ts', 'electron/main/crypto/ok.ts')).toEqual([]);
  });

  it('lets electron/main/app import electron', async () => {
    expect(await layeringErrors('main-imports-electron.ts', 'electron/main/app/ok.ts')).toEqual([]);
  });
});

// Zones inside electron/main (eslint.config.js, MAIN_ZONES): per zone, imports that must be caught and ones that pass.
const UP = (zone: string) => new RegExp(`zone ${zone} is higher`);
const SIDEWAYS = (zone: string) => new RegExp(`another unit of zone ${zone}`);
const zoneCases: { zone: string; forbidden: [string, string, RegExp][]; allowed: [string, string][] }[] = [
  {
    zone: 'foundation',
    forbidden: [
      ['zones-imports-card.ts', 'electron/main/pki/bad.ts', UP('domain')],
      ['zones-imports-controlplane.ts', 'electron/main/pki/bad.ts', SIDEWAYS('foundation')],
      ['zones-imports-cli-dynamic.ts', 'electron/main/core/bad.ts', UP('adapters')],
      ['zones-imports-domain-deps.ts', 'electron/main/core/bad.ts', UP('handlers')],
    ],
    allowed: [
      ['zones-imports-config.ts', 'electron/main/controlplane/ok.ts'],
      ['zones-imports-config.ts', 'electron/main/config/ok.ts'],
    ],
  },
  {
    zone: 'domain',
    forbidden: [
      ['zones-imports-explorer.ts', 'electron/main/chain/bad.ts', UP('evidence')],
      ['zones-imports-card-type.ts', 'electron/main/chain/bad.ts', SIDEWAYS('domain')],
      ['zones-imports-domain-deps.ts', 'electron/main/cache/bad.ts', UP('handlers')],
      ['zones-imports-own-handlers.ts', 'electron/main/policy/bad.ts', UP('handlers')],
    ],
    allowed: [
      ['zones-imports-controlplane.ts', 'electron/main/chain/ok.ts'],
      ['zones-imports-card-type.ts', 'electron/main/policy/ok.ts'],
    ],
  },
  {
    zone: 'evidence',
    forbidden: [
      ['zones-imports-own-handlers.ts', 'electron/main/review/bad.ts', UP('handlers')],
      ['zones-imports-review.ts', 'electron/main/explorer/bad.ts', SIDEWAYS('evidence')],
      ['zones-imports-composition.ts', 'electron/main/simulator/bad.ts', UP('composition root')],
    ],
    allowed: [
      ['zones-imports-chain.ts', 'electron/main/review/ok.ts'],
      ['zones-imports-card.ts', 'electron/main/bundle/ok.ts'],
    ],
  },
  {
    zone: 'handlers',
    forbidden: [
      ['zones-imports-composition.ts', 'electron/main/review/handlers.ts', UP('composition root')],
      ['zones-imports-chain-handlers.ts', 'electron/main/review/handlers.ts', SIDEWAYS('handlers')],
      // policy/ may import cache/ (a peer pair), but that does not extend to their handler files.
      ['zones-imports-cache-handlers.ts', 'electron/main/policy/lifecycle-handlers.ts', SIDEWAYS('handlers')],
    ],
    allowed: [
      ['zones-imports-review.ts', 'electron/main/policy/lifecycle-handlers.ts'],
      ['zones-imports-domain-deps.ts', 'electron/main/explorer/handlers.ts'],
      ['zones-imports-own-handlers.ts', 'electron/main/review/signing-handlers.ts'],
    ],
  },
  {
    zone: 'composition root',
    forbidden: [
      ['zones-imports-cli.ts', 'electron/main/composition/bad.ts', UP('adapters')],
      ['zones-imports-composition.ts', 'electron/main/demo/bad.ts', SIDEWAYS('composition root')],
    ],
    allowed: [
      ['zones-imports-review-handlers.ts', 'electron/main/composition/ok.ts'],
      ['zones-imports-card.ts', 'electron/main/demo/ok.ts'],
    ],
  },
  {
    zone: 'adapters',
    forbidden: [
      ['zones-imports-cli.ts', 'electron/main/app/bad.ts', SIDEWAYS('adapters')],
      ['zones-imports-bridge.ts', 'electron/main/cli/bad.ts', SIDEWAYS('adapters')],
    ],
    allowed: [
      ['zones-imports-composition.ts', 'electron/main/cli/ok.ts'],
      ['zones-imports-launcher.ts', 'electron/main/cli/ok.ts'],
    ],
  },
];

describe('zones inside electron/main (eslint.config.js, MAIN_ZONES)', () => {
  for (const { zone, forbidden: bad, allowed } of zoneCases) {
    describe(zone, () => {
      for (const [fixture, where, why] of bad) {
        it(`catches ${fixture} in ${where}`, async () => {
          const errors = await layeringErrors(fixture, where);
          expect(errors.length).toBeGreaterThan(0);
          expect(errors.join('\n')).toMatch(why);
        });
      }
      for (const [fixture, where] of allowed) {
        it(`lets ${where} use ${fixture}`, async () => {
          expect(await layeringErrors(fixture, where)).toEqual([]);
        });
      }
    });
  }

  it('places every file: one outside the table is reported', async () => {
    const errors = await layeringErrors('zones-imports-config.ts', 'electron/main/newarea/bad.ts');
    expect(errors.join('\n')).toMatch(/electron\/main\/newarea\/bad\.ts is in no zone/);
  });
});

// The rule's allowlist, tested on the rule itself with a two-zone table.
RuleTester.describe = describe;
RuleTester.it = it;
const file = (rel: string) => join(root, 'electron', 'main', rel);
const options = {
  root: 'electron/main',
  zones: [
    { name: 'low', members: ['low/'] },
    { name: 'high', members: ['high/'] },
  ],
  allowlist: [{ file: 'electron/main/low/old.ts', imports: 'high/thing', why: 'being moved' }],
};
new RuleTester({ languageOptions: { ecmaVersion: 2022, sourceType: 'module' } }).run(
  'arx/main-zones allowlist',
  zonesPlugin.rules['main-zones'],
  {
    valid: [{ code: "import { t } from '../high/thing';", filename: file('low/old.ts'), options: [options] }],
    invalid: [
      {
        code: "import { t } from '../high/other';",
        filename: file('low/old.ts'),
        options: [options],
        errors: [{ message: /zone high is higher/ }, { message: /Stale layering allowlist entry/ }],
      },
      {
        code: "import { t } from '../high/thing';",
        filename: file('low/new.ts'),
        options: [options],
        errors: [{ message: /zone high is higher/ }],
      },
    ],
  },
);
