import type { cacheCommands } from '../../../shared/contract/domains/cache';
import type { DomainDeps, DomainHandlers } from '../handlers/domain-deps';

/** Handlers for the commands in shared/contract/domains/cache.ts. */
export function createCacheHandlers(deps: DomainDeps): DomainHandlers<typeof cacheCommands> {
  const cache = () => deps.cache;
  return {
    'cache.status': () => cache().status(),
    'cache.unlock': () => cache().unlock(),
    'cache.recover': (req) => cache().recover(req.privateKeyFile, req.passphrase),
    'cache.lock': () => cache().lock(),
    'cache.wipe': (req) => cache().wipe(req.discardOutbox),
    'cache.rewrap': (req) => cache().rewrap(req.slot, req.removeOthers),
    'cache.rotate': (req) => cache().rotate(req.batchSize),
    'cache.rebuild': () => cache().rebuild(),
    'cache.outboxList': () => {
      const c = cache();
      return {
        items: c.cache.outbox().map((i) => ({
          seq: i.seq,
          id: i.id,
          kind: i.kind,
          state: i.state,
          attempts: i.attempts,
          lastError: i.unreadable
            ? { code: i.unreadable, message: 'This item cannot be read (its sealed payload does not open).' }
            : i.lastError,
          createdAt: i.createdAt,
          deliveredAt: i.deliveredAt,
          summary: i.summary,
          tenantId: c.outbox.tenantOf(i),
        })),
      };
    },
    'cache.entries': (req) => {
      const c = cache().cache;
      return { kinds: c.kinds().map((k) => ({ ...k, keys: c.keysOf(k.kind).slice(0, req.limit) })) };
    },
    'cache.outboxDeliver': async () => {
      const c = cache();
      c.cache.outbox(); // CACHE_LOCKED when locked
      return c.outbox.flush();
    },
  };
}
