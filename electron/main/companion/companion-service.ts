/**
 * The companion key service (docs/companion-keys.md): the logged-in operator's Ed25519 and
 * ML-DSA-87 keys, opened with their card after login and wiped on lock, logout and card removal.
 * Built once by the composition root; services that sign with the companion key get it as
 * `deps.companion`.
 */
import { hostname } from 'node:os';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { CompanionStatus } from '../../../shared/contract/domains/companion';
import { toBase64 } from '../../../shared/bytes';
import type { OperatorAuth } from '../card/operator-auth';
import type { ControlPlane } from '../controlplane/control-plane';
import {
  activeCompanion,
  enrolCompanion,
  openCompanion,
  revokeCompanion,
  type CompanionContext,
  type HeldCompanion,
} from './companion-enrol';

export type { HeldCompanion } from './companion-enrol';

export interface CompanionServiceDeps {
  operatorAuth: OperatorAuth;
  controlPlane: ControlPlane;
  log: (line: string) => void;
  onChange?: (status: CompanionStatus) => void;
  now?: () => Date;
}

export class CompanionService {
  private held: HeldCompanion | null = null;
  private enrolled: boolean | null = null;
  private problem: { code: string; message: string } | null = null;
  /** Bumped by every wipe: a load that finishes after a lock drops what it opened. */
  private epoch = 0;
  private loading: Promise<void> | null = null;

  constructor(private readonly deps: CompanionServiceDeps) {
    deps.operatorAuth.on('changed', (session) => {
      if (!session || session.locked) this.wipe();
      else if (!this.held) void this.load();
    });
  }

  private context(): CompanionContext {
    return {
      operatorAuth: this.deps.operatorAuth,
      pool: this.deps.controlPlane.requirePool(),
      source: `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`,
      now: this.deps.now ?? (() => new Date()),
    };
  }

  private unlockedSession(): OperatorSession | null {
    const s = this.deps.operatorAuth.session();
    return s && !s.locked && this.deps.operatorAuth.activeCard() ? s : null;
  }

  status(): CompanionStatus {
    const h = this.held?.keys.held ? this.held : null;
    const state = !this.unlockedSession()
      ? 'locked'
      : h
        ? 'unlocked'
        : this.problem
          ? 'unavailable'
          : this.enrolled === false
            ? 'not-enrolled'
            : 'opening';
    return {
      state,
      keyId: h?.keys.keyId ?? null,
      ed25519: h ? toBase64(h.keys.ed25519Public) : null,
      createdAt: h?.statement.createdAt ?? null,
      replaces: h?.statement.replaces ?? null,
      problem: this.problem,
    };
  }

  /** The keys in memory, for signing: COMPANION_KEY_LOCKED / COMPANION_KEY_NONE when there are none. */
  require(): HeldCompanion {
    if (this.held?.keys.held && this.unlockedSession()) return this.held;
    if (!this.unlockedSession())
      throw new ArxFailure('COMPANION_KEY_LOCKED', 'Log in with your card to use your companion key.');
    throw new ArxFailure(
      this.problem ? (this.problem.code as 'COMPANION_KEY_NONE') : 'COMPANION_KEY_NONE',
      this.problem?.message ?? 'You have no companion key: enrol one (companion.enrol).',
    );
  }

  /** The keys in memory, or null. */
  current(): HeldCompanion | null {
    return this.held?.keys.held && this.unlockedSession() ? this.held : null;
  }

  /** Opens the operator's active key with the card (after login); idempotent while one load runs. */
  load(): Promise<void> {
    this.loading ??= this.loadOnce().finally(() => (this.loading = null));
    return this.loading;
  }

  private async loadOnce(): Promise<void> {
    const epoch = this.epoch;
    try {
      const ctx = this.context();
      const stored = await activeCompanion(ctx.pool);
      if (epoch !== this.epoch) return;
      this.enrolled = stored !== null;
      this.problem = null;
      if (!stored) return;
      const held = await openCompanion(ctx, stored);
      if (epoch !== this.epoch || !this.unlockedSession()) {
        held.keys.wipe();
        return;
      }
      this.replace(held);
    } catch (err) {
      if (epoch !== this.epoch) return;
      const e = err as ArxFailure;
      this.problem = { code: e.code ?? 'INTERNAL', message: e.message };
      this.deps.log(`companion: key not opened (${this.problem.code}: ${this.problem.message})`);
    } finally {
      this.changed();
    }
  }

  /** Makes a new key (rotating out the active one), attested by the card: the PIN for its 9C signature. */
  async enrol(pin: string | null): Promise<CompanionStatus> {
    if (!this.unlockedSession()) throw new ArxFailure('SESSION_LOCKED', 'Log in with your card first.');
    await this.load().catch(() => {});
    const ctx = this.context();
    const active = await activeCompanion(ctx.pool);
    const held = await enrolCompanion(ctx, pin, active?.keyId ?? null);
    if (!this.unlockedSession()) {
      held.keys.wipe();
      throw new ArxFailure(
        'SESSION_LOCKED',
        'The console locked while the key was made; it is stored, log in to use it.',
      );
    }
    this.replace(held);
    this.enrolled = true;
    this.problem = null;
    this.changed();
    return this.status();
  }

  /** Revokes the active key (it is wiped from memory); a new one can be enrolled afterwards. */
  async revoke(reason: 'retired' | 'compromised'): Promise<CompanionStatus> {
    const ctx = this.context();
    const active = await activeCompanion(ctx.pool);
    if (!active) throw new ArxFailure('COMPANION_KEY_NONE', 'You have no active companion key.');
    await revokeCompanion(ctx, active.keyId, reason);
    this.wipe();
    this.enrolled = false;
    this.changed();
    return this.status();
  }

  private replace(held: HeldCompanion): void {
    if (this.held !== held) this.held?.keys.wipe();
    this.held = held;
  }

  /** Zero-fills and drops the keys in memory. */
  wipe(): void {
    this.epoch++;
    const had = this.held !== null;
    this.held?.keys.wipe();
    this.held = null;
    this.enrolled = null;
    this.problem = null;
    if (had) this.changed();
  }

  private changed(): void {
    try {
      this.deps.onChange?.(this.status());
    } catch (err) {
      this.deps.log(`companion: status event failed (${(err as Error).message})`);
    }
  }
}
