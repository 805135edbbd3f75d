// Writes electron/main/bundle/verify-script.ts from docs/verify.sh, the published manual check, so
// that the verifier, the exporter and the docs hold one script. Run after editing docs/verify.sh:
//   node build/verify-script.mjs && npx prettier --write electron/main/bundle/verify-script.ts
// test/unit/bundle/verify-script.test.ts fails when the two differ.
import { readFileSync, writeFileSync } from 'node:fs';

const script = readFileSync(new URL('../docs/verify.sh', import.meta.url), 'utf8');
const lines = script.split('\n').map((l) => `  ${JSON.stringify(l)},`);
writeFileSync(
  new URL('../electron/main/bundle/verify-script.ts', import.meta.url),
  [
    '// Generated from docs/verify.sh by build/verify-script.mjs: edit that file, then run the generator.',
    '',
    '/** verify.sh, the manual check of a bundle (docs/bundle-format.md §6), byte for byte as published. */',
    'export const VERIFY_SH = [',
    ...lines,
    "].join('\\n');",
    '',
  ].join('\n'),
);
