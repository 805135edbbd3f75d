/**
 * Evidence in the local cache (docs/cache.md "What is cached and when it is served"): what a read
 * command answered online, sealed as `{ at, value }` under a key of the command's choosing, and
 * looked up again when the control plane is unreachable (cache/offline.ts decides when).
 *
 * Storing is best effort: a locked cache or a cache error never fails the online answer, it is
 * logged. Keys are stored as keyed digests by the cache (never in clear).
 */
import { ArxFailure } from '../../../shared/contract';
import type { CachedMark } from '../../../shared/contract/domains/cache';
import type { CacheService } from './cache-service';
import type { RecordKind } from './local-cache';

/** What is sealed per entry: when it was fetched online, and the command's answer as it was. */
export interface Sealed<T> {
  at: string;
  value: T;
}

/**
 * A stable text for a cache key: object keys sorted, undefined members left out, so that the
 * same query written in a different key order (or with an explicit undefined) finds the same entry.
 */
export function stableKey(value: unknown): string {
  const norm = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(norm);
    if (v && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(
        Object.keys(o)
          .filter((k) => o[k] !== undefined)
          .sort()
          .map((k) => [k, norm(o[k])]),
      );
    }
    return v;
  };
  return JSON.stringify(norm(value));
}

export type WithCached<T> = T & { cached?: CachedMark };

/** The console's evidence reader and writer over deps.cache. */
export class EvidenceCache {
  private lockedLogged = false;

  constructor(private readonly deps: { cache: CacheService; log: (line: string) => void }) {}

  /** Seals an answer fetched online (best effort; never throws). */
  store(kind: RecordKind, key: unknown, value: unknown, at = new Date()): void {
    try {
      const service = this.deps.cache;
      if (!service.cache.isUnlocked) {
        if (!this.lockedLogged) this.deps.log('cache: evidence not cached (the cache is locked)');
        this.lockedLogged = true;
        return;
      }
      this.lockedLogged = false;
      const { cached: _c, ...plain } = (value ?? {}) as { cached?: unknown };
      void _c;
      const sealed: Sealed<unknown> = { at: at.toISOString(), value: Array.isArray(value) ? value : plain };
      service.put(kind, stableKey(key), sealed, { refetchable: true });
    } catch (err) {
      this.deps.log(`cache: evidence not cached (${(err as ArxFailure).code ?? 'error'}: ${(err as Error).message})`);
    }
  }

  /** The cached answer and when it was fetched, or null. Throws CACHE_LOCKED / CACHE_DAMAGED / CACHE_VALUE_*. */
  lookup<T>(kind: RecordKind, key: unknown): Sealed<T> | null {
    const service = this.deps.cache;
    if (!service.cache.isUnlocked) {
      throw new ArxFailure(
        'CACHE_LOCKED',
        'The control plane is unreachable and the local evidence cache is locked: log in with your card to read what was cached on this workstation.',
      );
    }
    return service.get<Sealed<T>>(kind, stableKey(key));
  }
}
