// Writes docs/schemas/*.schema.json (JSON Schema 2020-12) from the bundle format's zod schemas, so
// that the published schemas are the ones the verifier enforces. Run after changing a schema:
//   node --import tsx build/json-schemas.ts
// test/unit/bundle/json-schemas.test.ts fails when docs/schemas/ differs from what this writes.
import { mkdirSync, writeFileSync } from 'node:fs';
import { z } from 'zod';
import {
  ConsistencySchema,
  GatewayKeysSchema,
  ManifestSchema,
  PolicyMetaSchema,
  RangeSchema,
  ReviewSchema,
} from '../shared/bundle';
import { DsseEnvelopeSchema } from '../shared/dsse';
import { FidelityStatementSchema } from '../shared/review/fidelity';

/** Each JSON document of a bundle (docs/bundle-format.md §3–§4) and the fidelity statement. */
export const JSON_SCHEMAS: Record<string, { title: string; schema: z.ZodType }> = {
  manifest: { title: 'manifest.json: the bundle manifest (bundle-format §4)', schema: ManifestSchema },
  'manifest-envelope': {
    title: 'manifest.dsse.json and every stored DSSE envelope (bundle-format §4)',
    schema: DsseEnvelopeSchema,
  },
  range: { title: 'range.json (bundle-format §3)', schema: RangeSchema },
  'gateway-keys': { title: 'gateway-keys.json (bundle-format §3)', schema: GatewayKeysSchema },
  consistency: { title: 'consistency.json (bundle-format §3)', schema: ConsistencySchema },
  'policy-version': { title: 'policy-<sha256>.json (bundle-format §3)', schema: PolicyMetaSchema },
  review: { title: 'review-<uuid>.json (bundle-format §3)', schema: ReviewSchema },
  'fidelity-statement': {
    title: 'the in-toto statement of a fidelity certificate (fidelity-certificates.md)',
    schema: FidelityStatementSchema,
  },
};

export function jsonSchemaText(name: string): string {
  const { title, schema } = JSON_SCHEMAS[name]!;
  const generated = z.toJSONSchema(schema, { target: 'draft-2020-12', io: 'input' }) as Record<string, unknown>;
  const { $schema, ...rest } = generated;
  return `${JSON.stringify({ $schema, $id: `urn:arx:bundle:schema:${name}`, title, ...rest }, null, 2)}\n`;
}

if (process.argv[1]?.endsWith('json-schemas.ts')) {
  const dir = new URL('../docs/schemas/', import.meta.url);
  mkdirSync(dir, { recursive: true });
  for (const name of Object.keys(JSON_SCHEMAS))
    writeFileSync(new URL(`${name}.schema.json`, dir), jsonSchemaText(name));
}
