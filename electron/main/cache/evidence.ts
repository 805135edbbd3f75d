/**
 * Cached evidence for read commands (docs/cache.md "What is cached and
 * when it is served").
 *
 * Online, a read command's answer is sealed into the encrypted local cache after it was fetched
 * (best effort: a locked cache or a cache error never fails the online answer, it is logged).
 * When the control plane is unreachable — its status is not `connected`, or the query fails with
 * a transient error (isTransient: DB_UNREACHABLE, connection refused/terminated, SQLSTATE 08/57P…)
 * — the same command answers from the cache when the same key is there, marked
 * `cached: { at }` (when it was fetched online), and otherwise fails with OFFLINE_NOT_CACHED.
 *
 * Only reads go through here. Access checks (session, lock, tenant roles) run before either path,
 * against the in-memory operator session, so a cached answer is never shown to someone who may
 * not see the live one. Keys are stored as keyed digests by the cache (never in clear).
 */
import { ArxFailure } from '../../../shared/contract';
import type { CachedMark } from '../../../shared/contract/domains/cache';
import type { ControlPlane } from '../controlplane/control-plane';
import type { CacheService } from './cache-service';
import type { RecordKind } from './local-cache';
import { isTransient } from '../controlplane/transient-failure';

/** What is sealed per entry: when it was fetched online, and the command's answer as it was. */
interface Sealed<T> {
  at: string;
  value: T;
}

export interface CachedReadOptions {
  /** For the message: "this explorer page", "this event", … */
  what: string;
  /** Error location details for OFFLINE_NOT_CACHED (e.g. { tenantId, seq }). */
  location?: Record<string, unknown>;
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

/** The per-console evidence reader (one per handler factory; the cache itself is deps.cache). */
export class EvidenceCache {
  private lockedLogged = false;

  constructor(
    private readonly deps: {
      cache: CacheService;
      controlPlane: Pick<ControlPlane, 'status'>;
      log: (line: string) => void;
    },
  ) {}

  /** True when reads must come from the cache: the control plane is not connected. */
  offline(): boolean {
    return this.deps.controlPlane.status().state !== 'connected';
  }

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

  /** The cached answer marked as cached, or OFFLINE_NOT_CACHED. */
  fromCache<T extends object>(kind: RecordKind, key: unknown, opts: CachedReadOptions): WithCached<T> {
    const hit = this.lookup<T>(kind, key);
    if (!hit) {
      throw new ArxFailure(
        'OFFLINE_NOT_CACHED',
        `The control plane is unreachable and ${opts.what} was not cached on this workstation.`,
        { ...(opts.location ?? {}) },
      );
    }
    return { ...hit.value, cached: { at: hit.at } };
  }

  /**
   * A read command: online, `fetch` and seal its answer; unreachable (before, or a transient
   * failure of `fetch`), the cached answer of the same key marked cached, or OFFLINE_NOT_CACHED.
   * Any other failure of `fetch` (not found, forbidden, invalid) is the answer, as online.
   */
  async read<T extends object>(
    kind: RecordKind,
    key: unknown,
    fetch: () => Promise<T>,
    opts: CachedReadOptions,
  ): Promise<WithCached<T>> {
    if (this.offline()) return this.fromCache<T>(kind, key, opts);
    let value: T;
    try {
      value = await fetch();
    } catch (err) {
      if (isTransient(err) && !(err instanceof ArxFailure && err.code === 'CACHE_LOCKED'))
        return this.fromCache<T>(kind, key, opts);
      throw err;
    }
    this.store(kind, key, value);
    return value;
  }
}
