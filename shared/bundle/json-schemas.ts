// The JSON Schemas (2020-12) of a bundle's JSON documents, generated from the zod schemas the
// verifier enforces: published in docs/schemas/ and, from format version 2, carried in each bundle.
import { z } from 'zod';
import {
  ConsistencySchema,
  GatewayKeysSchema,
  ManifestSchema,
  PolicyMetaSchema,
  RangeSchema,
  ReviewSchema,
} from './format';
import { DsseEnvelopeSchema } from '../dsse';
import { FidelityStatementSchema } from '../review/fidelity';

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
