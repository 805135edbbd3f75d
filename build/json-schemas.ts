// Writes docs/schemas/*.schema.json (JSON Schema 2020-12) from the bundle format's zod schemas, so
// that the published schemas are the ones the verifier enforces (and the ones each bundle carries).
// Run after changing a schema:
//   node --import tsx build/json-schemas.ts
// test/unit/bundle/json-schemas.test.ts fails when docs/schemas/ differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { JSON_SCHEMAS, jsonSchemaText } from '../shared/bundle/json-schemas';

export { JSON_SCHEMAS, jsonSchemaText };

if (process.argv[1]?.endsWith('json-schemas.ts')) {
  const dir = new URL('../docs/schemas/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(JSON_SCHEMAS))
    writeFileSync(new URL(`${name}.schema.json`, dir), jsonSchemaText(name));
}
