import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { JSON_SCHEMAS, jsonSchemaText } from '../../../build/json-schemas';

/** docs/schemas/ publishes the schemas the verifier enforces: regenerated, they are byte for byte the committed ones. */
describe('docs/schemas', () => {
  for (const name of Object.keys(JSON_SCHEMAS))
    it(`${name}.schema.json is JSON Schema 2020-12 generated from the verifier's schema`, () => {
      const committed = readFileSync(join(process.cwd(), 'docs/schemas', `${name}.schema.json`), 'utf8');
      expect(committed).toBe(jsonSchemaText(name));
      const parsed = JSON.parse(committed) as { $schema: string; $id: string };
      expect(parsed.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
      expect(parsed.$id).toBe(`urn:arx:bundle:schema:${name}`);
    });
});
