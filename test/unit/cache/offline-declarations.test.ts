import { beforeEach, describe, expect, it } from 'vitest';
import { ArxFailure, COMMAND_NAMES, commands, type CommandName, type OperatorSession } from '../../../shared/contract';
import type { CacheService } from '../../../electron/main/cache/cache-service';
import { stableKey } from '../../../electron/main/cache/evidence';
import { OfflineCommands, notCachedHere, type CachedReads } from '../../../electron/main/cache/offline';
import { ConsoleSession, createRegistry, type Handler, type Handlers } from '../../../electron/main/core/registry';
import { VALID_REQUESTS } from '../../support/valid-requests';
import { everyRoleSession } from '../../support/operator-session';
import { SAMPLE_FOLDERS } from '../../support/sample-files';

/**
 * Every command's `offline` declaration in the contract is what the registry does with it while
 * the control plane is unreachable: 'cache' commands answer from the cache (marked cached) or
 * OFFLINE_NOT_CACHED, 'queue' commands queue (and are refused before the handler when nothing
 * could be queued), 'none' commands fail as the handler does (DB_UNREACHABLE), never from the cache.
 */

const session: OperatorSession = {
  operatorId: 'op-1',
  edipi: '1000000001',
  displayName: 'TEST',
  tokenLabel: 'T',
  certificateSha256: 'ab'.repeat(32),
  roles: [],
  startedAt: new Date(0).toISOString(),
  locked: false,
  lockReason: null,
};

let connected = true;
let unlocked = true;
const records = new Map<string, unknown>();
const reads: string[] = [];
const queued: { kind: string; payload: unknown }[] = [];

const cache = {
  cache: {
    get isUnlocked() {
      return unlocked;
    },
  },
  put: (kind: string, key: string, value: unknown) => void records.set(`${kind}|${key}`, value),
  get: (kind: string, key: string) => {
    reads.push(kind);
    return records.get(`${kind}|${key}`) ?? null;
  },
  status: () => ({ state: unlocked ? 'unlocked' : 'locked' }),
  outbox: {
    enqueue: (kind: string, payload: unknown) => {
      queued.push({ kind, payload });
      return { id: `item-${queued.length}`, idempotencyKey: 'k', seq: queued.length };
    },
  },
} as unknown as CacheService;

const offline = new OfflineCommands({
  cache,
  controlPlane: { status: () => ({ state: connected ? 'connected' : 'unreachable', mode: 'embedded', detail: '' }) },
  operatorAuth: { session: () => session },
  log: () => {},
});
// Each 'cache' command described the way a domain does: its own kind, key and wording.
const keyOf = (name: string, req: unknown) => ({ q: name, req });
offline.describe(
  Object.fromEntries(
    COMMAND_NAMES.filter((n) => commands[n].offline === 'cache').map((n) => [
      n,
      {
        kind: 'test-evidence',
        key: (req: unknown) => keyOf(n, req),
        notCached: () => notCachedHere(`the ${n} answer`),
      },
    ]),
  ) as CachedReads,
);

const unreachable = () => new ArxFailure('DB_UNREACHABLE', 'The control plane is not connected: test');
/** A handler as the domains write them: live answer online, requirePool's failure offline. */
const calls: string[] = [];
const stub =
  (name: CommandName): Handler<CommandName> =>
  async () => {
    calls.push(name);
    if (!connected) throw unreachable();
    return { live: name } as never;
  };
const handlers = Object.fromEntries(COMMAND_NAMES.map((n) => [n, stub(n)])) as unknown as Handlers;
// An operator who holds every role in every tenant the sample requests name: access always passes.
const operator = everyRoleSession();
const registry = createRegistry(handlers, () => {}, {
  operator: () => operator,
  folders: SAMPLE_FOLDERS,
  wrap: (name, handler) => offline.wrap(name, handler),
});
const ctx = () => {
  const s = new ConsoleSession();
  s.consentAcknowledgedAt = new Date();
  return { adapter: 'test' as const, session: s };
};
const invoke = (name: CommandName) => registry.invoke(name, VALID_REQUESTS[name], ctx());

beforeEach(() => {
  connected = true;
  unlocked = true;
  records.clear();
  reads.length = 0;
  queued.length = 0;
  calls.length = 0;
});

describe('the registry applies every command’s offline declaration', () => {
  it('wraps every command of the contract', () => {
    const wrapped: string[] = [];
    createRegistry(handlers, () => {}, { wrap: (name, handler) => (wrapped.push(name), handler) });
    expect(wrapped.sort()).toEqual([...COMMAND_NAMES].sort());
    expect(offline.undescribed()).toEqual([]);
  });

  for (const name of COMMAND_NAMES) {
    const mode = commands[name].offline;
    it(`${name}: ${mode}`, async () => {
      const req = VALID_REQUESTS[name] as never;
      const wrapped = offline.wrap(name, handlers[name]);
      if (mode === 'cache') {
        // Not cached yet: OFFLINE_NOT_CACHED through the registry, after the handler ran (its checks first).
        connected = false;
        const miss = await invoke(name);
        expect(miss.ok ? null : miss.error).toMatchObject({ code: 'OFFLINE_NOT_CACHED' });
        expect(calls).toEqual([name]);
        // Online: the live answer, sealed under the command's key.
        connected = true;
        expect(await wrapped(req, ctx())).toEqual({ live: name });
        const sealed = records.get(`test-evidence|${stableKey(keyOf(name, req))}`) as { at: string; value: unknown };
        expect(sealed.value).toEqual({ live: name });
        // Unreachable: the cached answer, marked cached.
        connected = false;
        expect(await wrapped(req, ctx())).toEqual({ live: name, cached: { at: sealed.at } });
        // The cache locked: said so, not "not cached".
        unlocked = false;
        await expect(wrapped(req, ctx())).rejects.toMatchObject({ code: 'CACHE_LOCKED' });
      } else if (mode === 'queue') {
        // Nothing could be queued: refused before the handler (before the card asks for a PIN).
        connected = false;
        unlocked = false;
        const refused = await invoke(name);
        expect(refused.ok ? null : refused.error).toMatchObject({ code: 'CACHE_LOCKED' });
        expect(calls).toEqual([]);
        // The cache open: the handler runs and its signed write goes to the outbox, not the database.
        unlocked = true;
        let stored = 0;
        const signing: Handler<CommandName> = async () => {
          const w = offline.writes;
          const q = await w.storeOrQueue(
            w.connected(),
            async () => void stored++,
            () => w.enqueue(name, {}, name),
          );
          return { queued: q !== null } as never;
        };
        expect(await offline.wrap(name, signing)(req, ctx())).toEqual({ queued: true });
        expect(queued).toEqual([{ kind: name, payload: {} }]);
        // Connected, but the write fails as the control plane goes away: queued as well.
        connected = true;
        const failing: Handler<CommandName> = async () => {
          const w = offline.writes;
          const q = await w.storeOrQueue(
            w.connected(),
            () => Promise.reject(unreachable()),
            () => 'queued',
          );
          return { queued: q?.queued } as never;
        };
        expect(await offline.wrap(name, failing)(req, ctx())).toEqual({ queued: 'queued' });
        expect(stored).toBe(0);
      } else {
        expect(mode).toBe('none');
        // Online: the live answer, nothing sealed.
        expect(await wrapped(req, ctx())).toEqual({ live: name });
        // Unreachable: the handler's DB_UNREACHABLE, whatever the cache holds; nothing queued.
        connected = false;
        const failed = await invoke(name);
        expect(failed.ok ? null : failed.error).toMatchObject({ code: 'DB_UNREACHABLE' });
        expect(calls).toEqual([name, name]);
        expect(records.size).toBe(0);
        expect(reads).toEqual([]);
        expect(queued).toEqual([]);
      }
    });
  }
});
