/**
 * The cache service: one encrypted local cache per operator on this workstation
 * (electron/main/cache/local-cache.ts, operator-file.ts), chosen and unlocked at login with the
 * operator's card (its Key Management key, 9D) and locked — the data key wiped from memory — on
 * lock, logout or card removal; and the outbox that delivers artifacts signed while offline. Built once by the composition root (composition/console-services.ts); other
 * services get it as `deps.cache` (docs/cache.md).
 */
import { mkdirSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname } from 'node:path';
import { ArxFailure } from '../../../shared/contract';
import type { CacheStatus } from '../../../shared/contract/domains/cache';
import type { OperatorAuth } from '../card/operator-auth';
import type { ArxConfig } from '../config/config';
import type { ControlPlane } from '../controlplane/control-plane';
import { checkAndAnchor, type AnchorResult } from './anchor';
import { cacheFilesIn, cardKey, legacyCacheFileOf, recoveryRecipient, workstationId } from './cache-binding';
import { cacheStatus } from './cache-status';
import { recipientFromCertificate, recoveryUnwrapper, type Recipient, type Unwrapper } from './key-wrap';
import { LocalCache, type RecordKind } from './local-cache';
import { operatorCacheFile } from './operator-file';
import { Outbox, type FlushResult } from './outbox';
import { snapshotTrust } from './trust-snapshot';

export { cacheFileOf, cardKey, legacyCacheFileOf, workstationId } from './cache-binding';

/** Anchors of the cache's change counter are appended at most this often (docs/cache.md "Rollback"). */
export const ANCHOR_INTERVAL_MS = 60_000;

export interface CacheServiceDeps {
  config: ArxConfig;
  operatorAuth: OperatorAuth;
  controlPlane: ControlPlane;
  log: (line: string) => void;
  onChange?: (status: CacheStatus) => void;
  workstationId?: string;
  /** Outbox delivery check interval (ms); 0 disables the timer. */
  deliveryIntervalMs?: number;
  /** Minimum time between two anchors of the change counter (default ANCHOR_INTERVAL_MS). */
  anchorIntervalMs?: number;
}

export class CacheService {
  readonly outbox: Outbox;
  /**
   * The logged-in operator's cache (after a logout, the last one's, locked); before the first
   * login, the shared file of older consoles.
   */
  private current: LocalCache;
  /** The EDIPI whose file `current` is (null: nobody's). */
  private owner: string | null = null;
  private readonly workstation: string;
  private damage: { code: string; message: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unlocking: { cache: LocalCache; done: Promise<unknown> } | null = null;
  private lastAnchorAt: number | null = null;
  private anchoring: { cache: LocalCache; done: Promise<AnchorResult | null> } | null = null;

  constructor(private readonly deps: CacheServiceDeps) {
    this.workstation = deps.workstationId ?? workstationId();
    this.current = this.localCache(legacyCacheFileOf(deps.config));
    for (const file of cacheFilesIn(deps.config)) {
      try {
        this.localCache(file).migrate(); // an older file loses its clear card labels now, not at the next login
      } catch (err) {
        deps.log(`cache: file not migrated (${(err as ArxFailure).code ?? 'error'}: ${(err as Error).message})`);
      }
    }
    const source = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;
    this.outbox = new Outbox(
      () => this.cache,
      () => deps.controlPlane.requirePool(),
      source,
      () => this.changed(),
      () => deps.operatorAuth.eventWriter(),
    );
    // Lock, logout or card removal wipes the data key; a fresh login (card + PIN) opens the cache.
    deps.operatorAuth.on('changed', (session) => {
      if (!session || session.locked) {
        if (this.cache.isUnlocked) {
          this.cache.lock();
          this.changed();
        }
      } else if (!this.cache.isUnlocked || this.owner !== session.edipi) {
        void this.unlock().catch((err: Error) =>
          deps.log(`cache: not opened (${(err as ArxFailure).code ?? 'error'}: ${err.message})`),
        );
      }
    });
    const every = deps.deliveryIntervalMs ?? 3000;
    if (every > 0) {
      this.timer = setInterval(() => void this.anchorIfOnline().then(() => this.deliverIfOnline()), every);
      this.timer.unref();
    }
  }

  /** The cache of the operator logged in (or of the last one, locked). */
  get cache(): LocalCache {
    return this.current;
  }

  private localCache(file: string): LocalCache {
    return new LocalCache({
      file,
      workstationId: this.workstation,
      limitBytes: this.deps.config.cache?.limitBytes ?? 512 * 1024 * 1024,
    });
  }

  /** Switches to another operator's file: the one open is locked (its key wiped) first. */
  private select(owner: string | null, file: string): void {
    if (this.owner === owner && this.current.file === file) return;
    this.current.lock();
    this.current = this.localCache(file);
    this.owner = owner;
    this.damage = null;
    this.lastAnchorAt = null;
  }

  /**
   * Chooses the logged-in operator's file, by the EDIPI of the login certificate validated at
   * login (a legacy shared file is adopted when this card opens it: operator-file.ts).
   */
  private selectOperator(cardRecipient: string | null): void {
    const session = this.deps.operatorAuth.session();
    if (!session) return; // recovery without a login: the shared file of older consoles
    if (this.owner === session.edipi) return;
    this.current.lock();
    const file = operatorCacheFile(this.deps.config, session.edipi, this.workstation, cardRecipient, this.deps.log);
    this.select(session.edipi, file);
  }

  private changed(): void {
    try {
      this.deps.onChange?.(this.status());
    } catch (err) {
      this.deps.log(`cache: status event failed (${(err as Error).message})`);
    }
  }

  private snapshotQuietly(): void {
    try {
      this.snapshotTrust();
    } catch (err) {
      this.deps.log(`cache: trust anchors not cached (${(err as Error).message})`);
    }
  }

  status(): CacheStatus {
    return cacheStatus(this.cache, this.damage, Boolean(this.deps.config.cache?.recoveryPublicKey));
  }

  /** Keeps the trust anchors, intermediates and CRLs in use in the cache (re-fetchable), for offline checks. */
  snapshotTrust(): number {
    return snapshotTrust(this.cache, this.deps.config);
  }

  /** Opens (or creates) the cache with the logged-in operator's card. */
  async unlock(): Promise<CacheStatus> {
    const card = this.deps.operatorAuth.activeCard();
    if (!card) throw new ArxFailure('SESSION_NONE', 'Log in with your card (and its PIN) to open the cache.');
    const session = this.deps.operatorAuth.session();
    if (!session || session.locked)
      throw new ArxFailure('SESSION_NONE', 'Log in with your card (and its PIN) to open the cache.');
    const { recipient, unwrapper } = cardKey(card);
    const by = `card ${recipient.label}`;
    if (this.unlocking && this.owner !== session.edipi) {
      // Another operator's file is being opened (a fast logout and login): let it finish first.
      await this.unlocking.done.catch(() => {});
    }
    this.selectOperator(recipient.id);
    const target = this.current;
    if (this.unlocking?.cache !== target) {
      const done = this.open(target, unwrapper, by, [recipient]).finally(() => {
        if (this.unlocking?.done === done) this.unlocking = null;
      });
      this.unlocking = { cache: target, done };
    }
    await this.unlocking.done;
    if (this.current !== target || this.deps.operatorAuth.activeCard() !== card) {
      // The operator left (or locked) while their card unwrapped the key: it must not stay in memory.
      target.lock();
      throw new ArxFailure('SESSION_NONE', 'The operator logged out or locked while the cache was opening.');
    }
    return this.status();
  }

  /** Opens the cache with the organisation recovery private key (a PEM file). */
  async recover(privateKeyFile: string, passphrase: string | null): Promise<CacheStatus> {
    let content: Buffer;
    try {
      content = readFileSync(privateKeyFile);
    } catch {
      throw new ArxFailure('CACHE_RECOVERY_KEY_INVALID', `The recovery private key ${privateKeyFile} cannot be read.`, {
        file: privateKeyFile,
      });
    }
    try {
      const unwrapper = recoveryUnwrapper(content, passphrase, privateKeyFile);
      const card = this.deps.operatorAuth.activeCard();
      this.selectOperator(card ? cardKey(card).recipient.id : null);
      if (!this.cache.exists())
        throw new ArxFailure(
          'NOT_FOUND',
          this.owner === null
            ? "There is no shared cache to recover: each operator's cache is their own file. Log in with the operator's card first."
            : 'There is no cache of this operator to recover.',
          { file: this.cache.file },
        );
      await this.open(this.cache, unwrapper, 'recovery key', []);
      return this.status();
    } finally {
      content.fill(0);
    }
  }

  private async open(c: LocalCache, by: Unwrapper, describe: string, create: Recipient[]): Promise<void> {
    this.damage = null;
    if (!c.exists()) {
      if (create.length === 0) throw new ArxFailure('NOT_FOUND', 'There is no cache yet.');
      mkdirSync(dirname(c.file), { recursive: true, mode: 0o700 });
      const recovery = recoveryRecipient(this.deps.config);
      c.create(recovery ? [...create, recovery] : create, describe);
      this.deps.log(`cache: created ${c.file}`);
      this.snapshotQuietly();
      this.changed();
      return;
    }
    try {
      const problem = await c.unlock(by, describe);
      this.lastAnchorAt = null;
      if (problem) this.deps.log(`cache: opened but damaged (${problem.code}): ${problem.message}`);
      else {
        await this.anchorIfOnline(); // a rolled-back copy is found before anything reads from it
        if (!c.problem && c === this.cache) this.snapshotQuietly();
      }
    } catch (err) {
      if (
        c === this.cache &&
        err instanceof ArxFailure &&
        (err.code === 'CACHE_FILE_CORRUPT' || err.code === 'CACHE_TOO_NEW')
      )
        this.damage = { code: err.code, message: err.message };
      this.changed();
      throw err;
    }
    this.changed();
  }

  lock(): CacheStatus {
    this.cache.lock();
    this.changed();
    return this.status();
  }

  /** Deletes the cache; refused while unsent items are in the outbox unless the operator says to discard them. */
  wipe(discardOutbox: boolean): CacheStatus {
    if (!discardOutbox && this.cache.isUnlocked) {
      const pending = this.cache.outbox({ state: 'pending' }).length;
      if (pending > 0)
        throw new ArxFailure(
          'CACHE_OUTBOX_NOT_EMPTY',
          `The outbox holds ${pending} unsent item(s): deliver them first, or wipe with discardOutbox.`,
          { pending },
        );
    } else if (!discardOutbox && this.cache.exists()) {
      throw new ArxFailure(
        'CACHE_LOCKED',
        'Unlock the cache first (its outbox may hold unsent items), or wipe with discardOutbox.',
      );
    }
    this.cache.wipe();
    this.damage = null;
    this.deps.log('cache: wiped');
    this.changed();
    return this.status();
  }

  /** Wraps the key to the card in `slot` (both cards present: the unlocked one and the new one). */
  async rewrap(slot: string, removeOthers: boolean): Promise<CacheStatus> {
    const certs = await this.deps.operatorAuth.cardCertificates(slot);
    const km = certs.find((c) => c.role === 'key-management' || c.role === 'cac-email-encryption');
    if (!km)
      throw new ArxFailure('CARD_CERT_MISSING', 'The card in that reader has no Key Management certificate (9D).', {
        slot,
      });
    this.cache.rewrap(recipientFromCertificate(km.der, 'card'), removeOthers);
    this.changed();
    return this.status();
  }

  rotate(batchSize: number): CacheStatus {
    this.cache.rotate(batchSize);
    this.changed();
    return this.status();
  }

  /** Rebuilds a damaged cache for the unlocking card (and the recovery key), keeping the readable outbox. */
  rebuild(): { status: CacheStatus; outboxKept: number; outboxUnreadable: number; quarantinedFile: string } {
    const recipients: Recipient[] = [];
    const card = this.deps.operatorAuth.activeCard();
    if (card) recipients.push(cardKey(card).recipient);
    const recovery = recoveryRecipient(this.deps.config);
    if (recovery) recipients.push(recovery);
    if (recipients.length === 0) throw new ArxFailure('SESSION_NONE', 'Log in with your card to rebuild the cache.');
    const r = this.cache.rebuild(recipients);
    this.damage = null;
    this.lastAnchorAt = null;
    this.deps.log(
      `cache: rebuilt (${r.kept} outbox item(s) kept, ${r.unreadable} unreadable); the old file is ${r.quarantinedFile}`,
    );
    this.changed();
    return {
      status: this.status(),
      outboxKept: r.kept,
      outboxUnreadable: r.unreadable,
      quarantinedFile: r.quarantinedFile,
    };
  }

  put(kind: RecordKind, key: string, value: unknown, opts: { refetchable: boolean } = { refetchable: true }): void {
    this.cache.put(kind, key, value, opts);
  }

  get<T = unknown>(kind: RecordKind, key: string): T | null {
    return this.cache.get<T>(kind, key);
  }

  /**
   * While connected: compares the cache's change counter with its anchors in the control plane
   * (CACHE_ROLLED_BACK when the file is an older copy) and appends a newer anchor (anchor.ts).
   * Best effort: a failure is logged and tried again on the next tick.
   */
  anchorIfOnline(): Promise<AnchorResult | null> {
    const c = this.cache;
    if (this.anchoring?.cache === c) return this.anchoring.done;
    // A check of the previous operator's file still running finishes first (one at a time).
    const before = this.anchoring?.done ?? Promise.resolve(null);
    const done: Promise<AnchorResult | null> = before
      .catch(() => null)
      .then(() => this.anchorOnce(c))
      .finally(() => {
        if (this.anchoring?.done === done) this.anchoring = null;
      });
    this.anchoring = { cache: c, done };
    return done;
  }

  private async anchorOnce(c: LocalCache): Promise<AnchorResult | null> {
    if (this.deps.controlPlane.status().state !== 'connected' || c !== this.cache || !c.isUnlocked || c.problem)
      return null;
    try {
      const session = this.deps.operatorAuth.session();
      if (!session || session.locked) return null;
      const tenants = [...new Set(session.roles.map((r) => r.tenantId))].sort();
      const r = await checkAndAnchor(c, this.deps.controlPlane.requirePool(), tenants, {
        lastAppendedAt: this.lastAnchorAt,
        minIntervalMs: this.deps.anchorIntervalMs ?? ANCHOR_INTERVAL_MS,
      });
      if (r.appended) this.lastAnchorAt = Date.now();
      if (r.forged) this.deps.log(`cache: ${r.forged} anchor row(s) for this cache do not verify (ignored)`);
      if (r.rolledBack) {
        this.deps.log(
          `cache: CACHE_ROLLED_BACK: the file is an older copy (change ${r.counter}; the control plane has seen change ${r.anchored})`,
        );
        this.changed();
      }
      return r;
    } catch (err) {
      this.deps.log(`cache: anchor not checked (${(err as Error).message})`);
      return null;
    }
  }

  async deliverIfOnline(): Promise<FlushResult | null> {
    if (this.deps.controlPlane.status().state !== 'connected' || !this.cache.isUnlocked) return null;
    try {
      if (this.cache.outbox({ state: 'pending' }).length === 0) return null;
      return await this.outbox.flush();
    } catch (err) {
      this.deps.log(`cache: outbox delivery failed (${(err as Error).message})`);
      return null;
    }
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.cache.lock();
  }
}
