import { createHash } from 'node:crypto';
import {
  compilePolicySet,
  type CedarRequest,
  type PolicyDecision,
  type PolicyEngine,
  type PolicyResult,
} from '../../../shared/policy';
import * as cedar from './cedar-node';
import type { ReplayVersion } from './decision-replayer';

/** A compiled policy version, or why there is none. */
type EngineEntry = { engine: PolicyEngine } | { code: string; message: string };

/**
 * Compiled policy versions of one thread (a worker keeps one for its whole life, shared by every
 * job it serves). Keyed by the text, schema and tests given together with the digests claimed for
 * them; an engine is only made when they compile to exactly those digests (otherwise the entry is
 * the refusal), so a job can never be handed an engine for text other than the one it gave. Cedar
 * keeps preparsed policy sets in its WASM instance and has no call to free one: `preparsedTexts`
 * counts them so that the pool can replace a worker that holds too many (reverify-pool.ts).
 */
export class EngineCache {
  private readonly entries = new Map<string, EngineEntry>();
  private readonly texts = new Set<string>();
  constructor(private readonly limit = 32) {}

  get preparsedTexts(): number {
    return this.texts.size;
  }

  get(v: ReplayVersion): EngineEntry {
    // Keyed by what is given (text, schema, tests) as well as the digests claimed for it: an entry made
    // from the genuine text must never answer for other text that claims the same digest.
    const key = createHash('sha256')
      .update(JSON.stringify([v.sha256, v.blake3, v.text, v.schema, v.tests]))
      .digest('hex');
    const found = this.entries.get(key);
    if (found) {
      // Least recently used goes first: re-insert on use.
      this.entries.delete(key);
      this.entries.set(key, found);
      return found;
    }
    let entry: EngineEntry;
    // validate: false — the version was validated when it was approved; replay needs its evaluation, under its own schema.
    const compiled = compilePolicySet(cedar, v.text, { schema: v.schema, validate: false, tests: v.tests });
    this.texts.add(createHash('sha256').update(v.text).digest('hex'));
    if (!compiled.ok)
      entry = {
        code: compiled.error.code,
        message: `policy version ${v.sha256} does not compile: ${compiled.error.message}`,
      };
    else if (compiled.value.version.sha256 !== v.sha256 || compiled.value.version.blake3 !== v.blake3) {
      entry = {
        code: 'POLICY_VERSION_ALTERED',
        message: `the text, schema and tests given for policy version ${v.sha256} hash to ${compiled.value.version.sha256}`,
      };
    } else entry = { engine: compiled.value };
    if (this.entries.size >= this.limit) this.entries.delete(this.entries.keys().next().value as string);
    this.entries.set(key, entry);
    return entry;
  }
}

/**
 * Identical requests (same version, principal, action, resource, context and entity set) decide
 * identically: Cedar is deterministic and has no clock. Within a job their answer is kept, bounded,
 * so that retries and repeated requests cost one evaluation. The key is the SHA-256 of the version's
 * digests and the JSON of exactly the values handed to Cedar (the parsed record, re-serialised in
 * its own order), so two requests share an answer only when every value Cedar could read is the
 * same; a request written with its keys in another order merely misses (costs an evaluation).
 */
export class CachingEngine implements PolicyEngine {
  private readonly cache = new Map<string, PolicyResult<PolicyDecision>>();
  hits = 0;
  lookups = 0;
  constructor(
    private readonly inner: PolicyEngine,
    private readonly limit: number,
  ) {}
  get version() {
    return this.inner.version;
  }
  get policyIds() {
    return this.inner.policyIds;
  }
  get warnings() {
    return this.inner.warnings;
  }
  /** The cache key of a request (exported for the test that proves a changed field misses). */
  keyOf(request: CedarRequest): string {
    const json = JSON.stringify([
      request.principal,
      request.action,
      request.resource,
      request.context,
      request.entities,
    ]);
    return createHash('sha256')
      .update(this.inner.version.sha256)
      .update(this.inner.version.blake3)
      .update(json)
      .digest('base64');
  }
  evaluate(request: CedarRequest): PolicyResult<PolicyDecision> {
    if (this.limit === 0) return this.inner.evaluate(request);
    this.lookups++;
    const key = this.keyOf(request);
    const found = this.cache.get(key);
    if (found) {
      this.hits++;
      return found;
    }
    const r = this.inner.evaluate(request);
    if (this.cache.size >= this.limit) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(key, r);
    return r;
  }
}
