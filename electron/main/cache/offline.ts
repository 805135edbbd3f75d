/**
 * What a command does while the control plane is unreachable, as its contract entry declares it
 * (`offline`, shared/contract/define.ts), applied in one place: the registry wraps every handler
 * with `OfflineCommands.wrap` (docs/cache.md "What is cached and when it is served", "Outbox").
 *
 *   'cache'  a read. Its online answer is sealed in the local cache; when the control plane is
 *            unreachable (the handler fails with a transient error: requirePool says
 *            DB_UNREACHABLE while it is not connected) the cached answer of the same key is served,
 *            marked `cached: { at }`, else OFFLINE_NOT_CACHED. The handler always runs first, so its
 *            session, lock and role checks answer before any cached value is looked at.
 *   'queue'  a signed write. Refused with CACHE_LOCKED before the handler (so before any PIN) when
 *            the control plane is not connected and the cache is not open; the handler stores it
 *            or queues it in the outbox through `OfflineWrites`.
 *   'none'   nothing: what needs the control plane fails as it does (DB_UNREACHABLE).
 *
 * How a cached read is keyed, and how its absence is worded, is the owning domain's: it describes
 * its reads once at start-up (`describe`), as it registers its outbox kinds.
 */
import {
  ArxFailure,
  commands,
  type CommandName,
  type OperatorSession,
  type ResponseOf,
} from '../../../shared/contract';
import type { OperatorAuth } from '../card/operator-auth';
import type { ControlPlane } from '../controlplane/control-plane';
import type { Handler } from '../core/registry';
import type { CacheService } from './cache-service';
import { EvidenceCache, type Sealed } from './evidence';
import { isTransient } from '../controlplane/transient-failure';
import type { RecordKind } from './record-store';

type RequestIn<N extends CommandName> = Parameters<Handler<N>>[0];
type Answer<N extends CommandName> = ResponseOf<N>;

/** How one 'cache' command's answers are kept and served. */
export interface CachedRead<N extends CommandName> {
  kind: RecordKind;
  /** The cache key (stored as a keyed digest); the operator's session for per-operator answers. */
  key(request: RequestIn<N>, session: OperatorSession | null): unknown;
  /** OFFLINE_NOT_CACHED: the message and the location of what was asked for. */
  notCached(request: RequestIn<N>): { message: string; location: Record<string, unknown> };
  /** The answer made from a cached one (default: the answer as sealed, marked cached). */
  serve?(hit: Sealed<unknown>, request: RequestIn<N>, session: OperatorSession | null): Answer<N>;
  /** False: the online answer is not sealed under this key (the domain seals it later). */
  store?: boolean;
}

export type CachedReads = { [N in CommandName]?: CachedRead<N> };

/** The usual OFFLINE_NOT_CACHED wording: "… and <what> was not cached on this workstation." */
export const notCachedHere = (what: string, location: Record<string, unknown> = {}) => ({
  message: `The control plane is unreachable and ${what} was not cached on this workstation.`,
  location,
});

/** Marks a cached answer (an object, or each element of a list) with when it was fetched. */
export function markCached<T>(hit: Sealed<T>): T {
  const cached = { at: hit.at };
  if (Array.isArray(hit.value)) return hit.value.map((v: object) => ({ ...v, cached })) as T;
  return { ...(hit.value as object), cached } as T;
}

export interface OfflineDeps {
  cache: CacheService;
  controlPlane: Pick<ControlPlane, 'status'>;
  operatorAuth: Pick<OperatorAuth, 'session'>;
  log: (line: string) => void;
}

/** Storing or queueing a signed write (the commands declared 'queue'). */
export class OfflineWrites {
  constructor(private readonly deps: OfflineDeps) {}

  connected(): boolean {
    return this.deps.controlPlane.status().state === 'connected';
  }

  /** An item could be queued now (the cache is open and not damaged). */
  canQueue(): boolean {
    return this.deps.cache.status().state === 'unlocked';
  }

  /** CACHE_LOCKED when nothing could be queued: say so before the card is asked for its PIN. */
  requireQueueable(): void {
    if (this.canQueue()) return;
    throw new ArxFailure(
      'CACHE_LOCKED',
      'The control plane is unreachable and the local cache is not open: a signature made now could not be queued, so nothing was signed.',
    );
  }

  /** The failure says "the control plane is unreachable" (the write may go to the outbox). */
  unreachable(err: unknown): boolean {
    return isTransient(err);
  }

  enqueue(kind: string, payload: unknown, summary: string): { id: string; idempotencyKey: string; seq: number } {
    return this.deps.cache.outbox.enqueue(kind, payload, { summary });
  }

  /**
   * Online, `store` (the write, nothing after it); offline, or when the write fails because the
   * control plane went away and `mayQueue` agrees, `queue`. Returns the queued answer, or null
   * when it was stored.
   */
  async storeOrQueue<Q>(
    online: boolean,
    store: () => Promise<unknown>,
    queue: () => Q,
    mayQueue: () => boolean = () => true,
  ): Promise<{ queued: Q } | null> {
    if (!online) return { queued: queue() };
    try {
      await store();
      return null;
    } catch (err) {
      if (this.unreachable(err) && mayQueue()) return { queued: queue() };
      throw err;
    }
  }
}

export class OfflineCommands {
  private readonly reads: CachedReads = {};
  readonly evidence: EvidenceCache;
  readonly writes: OfflineWrites;

  constructor(private readonly deps: OfflineDeps) {
    this.evidence = new EvidenceCache(deps);
    this.writes = new OfflineWrites(deps);
  }

  /** The owning domain says how its 'cache' commands are keyed (once, at start-up). */
  describe(reads: CachedReads): void {
    for (const name of Object.keys(reads) as CommandName[]) {
      if (commands[name].offline !== 'cache')
        throw new ArxFailure('INTERNAL', `${name} is not declared offline: 'cache' in the contract.`);
    }
    Object.assign(this.reads, reads);
  }

  /** The commands declared 'cache' that no domain has described (a start-up check for tests). */
  undescribed(): CommandName[] {
    return (Object.keys(commands) as CommandName[]).filter((n) => commands[n].offline === 'cache' && !this.reads[n]);
  }

  /** The handler with its command's declared offline behaviour (the registry's hook). */
  wrap<N extends CommandName>(name: N, handler: Handler<N>): Handler<N> {
    const mode = commands[name].offline;
    if (mode === 'cache') return (req, ctx) => this.read(name, req, () => handler(req, ctx));
    if (mode === 'queue')
      return (req, ctx) => {
        if (!this.writes.connected()) this.writes.requireQueueable();
        return handler(req, ctx);
      };
    return handler;
  }

  private async read<N extends CommandName>(
    name: N,
    req: RequestIn<N>,
    run: () => ReturnType<Handler<N>>,
  ): Promise<Answer<N>> {
    const spec = this.reads[name] as CachedRead<N> | undefined;
    if (!spec) throw new ArxFailure('INTERNAL', `No cached read is described for ${name}.`);
    const session = this.deps.operatorAuth.session();
    let value: Answer<N>;
    try {
      value = (await run()) as Answer<N>;
    } catch (err) {
      if (!isTransient(err) || (err instanceof ArxFailure && err.code === 'CACHE_LOCKED')) throw err;
      const hit = this.evidence.lookup<unknown>(spec.kind, spec.key(req, session));
      if (!hit) {
        const { message, location } = spec.notCached(req);
        throw new ArxFailure('OFFLINE_NOT_CACHED', message, { ...location });
      }
      return spec.serve ? spec.serve(hit, req, session) : markCached(hit as Sealed<Answer<N>>);
    }
    if (spec.store !== false) this.evidence.store(spec.kind, spec.key(req, session), value);
    return value;
  }
}
