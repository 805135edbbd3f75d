/**
 * The cache service: one encrypted local cache per console (electron/main/cache/local-cache.ts),
 * unlocked with the logged-in operator's card (its Key Management key, 9D) and locked — the data
 * key wiped from memory — on lock, logout or card removal; and the outbox that delivers artifacts
 * signed while offline. Built once by the composition root (composition/console-services.ts); other
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
import { cacheFileOf, cardKey, recoveryRecipient, workstationId } from './cache-binding';
import { cacheStatus } from './cache-status';
import { recipientFromCertificate, recoveryUnwrapper, type Recipient, type Unwrapper } from './key-wrap';
import { LocalCache, type RecordKind } from './local-cache';
import { Outbox, type FlushResult } from './outbox';
import { snapshotTrust } from './trust-snapshot';

export { cacheFileOf, cardKey, workstationId } from './cache-binding';

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
  readonly cache: LocalCache;
  readonly outbox: Outbox;
  private damage: { code: string; message: string } | null = null;
  private timer: NodeJS.Timeout | null = null;
  private unlocking: Promise<unknown> | null = null;
  private lastAnchorAt: number | null = null;
  private anchoring: Promise<AnchorResult | null> | null = null;

  constructor(private readonly deps: CacheServiceDeps) {
    this.cache = new LocalCache({
      file: cacheFileOf(deps.config),
      workstationId: deps.workstationId ?? workstationId(),
      limitBytes: deps.config.cache?.limitBytes ?? 512 * 1024 * 1024,
    });
    try {
      this.cache.migrate(); // an older file loses its clear card labels now, not at the next login
    } catch (err) {
      deps.log(`cache: file not migrated (${(err as ArxFailure).code ?? 'error'}: ${(err as Error).message})`);
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
      } else if (!this.cache.isUnlocked) {
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
    const { recipient, unwrapper } = cardKey(card);
    const by = `card ${recipient.label}`;
    await (this.unlocking ??= this.open(unwrapper, by, [recipient]).finally(() => (this.unlocking = null)));
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
      if (!this.cache.exists())
        throw new ArxFailure('NOT_FOUND', 'There is no cache to recover.', { file: this.cache.file });
      await this.open(unwrapper, 'recovery key', []);
      return this.status();
    } finally {
      content.fill(0);
    }
  }

  private async open(by: Unwrapper, describe: string, create: Recipient[]): Promise<void> {
    this.damage = null;
    if (!this.cache.exists()) {
      if (create.length === 0) throw new ArxFailure('NOT_FOUND', 'There is no cache yet.');
      mkdirSync(dirname(this.cache.file), { recursive: true, mode: 0o700 });
      const recovery = recoveryRecipient(this.deps.config);
      this.cache.create(recovery ? [...create, recovery] : create, describe);
      this.deps.log(`cache: created ${this.cache.file}`);
      this.snapshotQuietly();
      this.changed();
      return;
    }
    try {
      const problem = await this.cache.unlock(by, describe);
      this.lastAnchorAt = null;
      if (problem) this.deps.log(`cache: opened but damaged (${problem.code}): ${problem.message}`);
      else {
        await this.anchorIfOnline(); // a rolled-back copy is found before anything reads from it
        if (!this.cache.problem) this.snapshotQuietly();
      }
    } catch (err) {
      if (err instanceof ArxFailure && (err.code === 'CACHE_FILE_CORRUPT' || err.code === 'CACHE_TOO_NEW'))
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
    this.anchoring ??= this.anchorOnce().finally(() => (this.anchoring = null));
    return this.anchoring;
  }

  private async anchorOnce(): Promise<AnchorResult | null> {
    if (this.deps.controlPlane.status().state !== 'connected' || !this.cache.isUnlocked || this.cache.problem)
      return null;
    try {
      const session = this.deps.operatorAuth.session();
      if (!session || session.locked) return null;
      const tenants = [...new Set(session.roles.map((r) => r.tenantId))].sort();
      const r = await checkAndAnchor(this.cache, this.deps.controlPlane.requirePool(), tenants, {
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
