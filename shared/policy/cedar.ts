import type * as CedarWasm from '@cedar-policy/cedar-wasm/web';

/**
 * The Cedar functions the engine uses. Every build of @cedar-policy/cedar-wasm has them; the caller
 * picks the build that fits where it runs and passes it in, so nothing here loads WASM by itself:
 *
 *   Node (main process, workers, CLI, vitest, tsx):
 *     import * as cedar from '@cedar-policy/cedar-wasm/nodejs';   // reads the .wasm next to it with fs
 *   Browser (renderer, bundled by Vite): the web build, see ./cedar-web.ts.
 *
 * The package's default entry (esm/) imports the .wasm as an ES module, which neither Node nor Vite
 * does without plugins: do not use it.
 *
 * Preparsed policy sets and schemas are kept in the WASM instance's memory, keyed by name, so an
 * engine works only with the bindings it was compiled with, and they are never freed (see README).
 */
export type CedarBindings = Pick<
  typeof CedarWasm,
  | 'checkParseSchema'
  | 'getCedarVersion'
  | 'isAuthorized'
  | 'policySetTextToParts'
  | 'policyToJson'
  | 'preparsePolicySet'
  | 'preparseSchema'
  | 'statefulIsAuthorized'
  | 'validate'
>;

export type {
  AuthorizationAnswer,
  DetailedError,
  EntityJson as CedarEntityJson,
  SourceLabel,
  ValidationAnswer,
} from '@cedar-policy/cedar-wasm/web';
