/**
 * The console as a witness (docs/chain-format.md §9.4): while an ISSO is logged in with their
 * companion key open, it registers that key's Ed25519 half as their witness key in each tenant
 * where they hold the isso role and runs a witnessing pass (witness-pass.ts) over each, in the
 * background and on request. A refusal that is evidence against the log is recorded in the
 * tenant's chain (com.arx.witness.forkdetected, card-signed) and raised as an alarm; that tenant
 * is not witnessed again by this console until the alarm is resolved.
 */
import type pg from 'pg';
import { bytesEqual } from '../../../shared/bytes';
import { ArxFailure, type OperatorSession } from '../../../shared/contract';
import type { WitnessAlarm, WitnessStatus, WitnessTenant } from '../../../shared/contract/domains/witness';
import { formatWitnessKey, signingCosigner, type Cosigner } from '../../../shared/witness';
import { registerWitnessKey, witnessKeyNamed } from '../controlplane/repos/witnesses';
import { withTenant } from '../controlplane/tenant-session';
import { witnessPass, type Refusal, type WitnessHeadStore } from './witness-pass';

/** The witness key of the logged-in ISSO: their companion key's Ed25519 half. */
export interface WitnessKey {
  /** The companion key id (what names the witness). */
  keyId: string;
  publicKey: Uint8Array;
  /** Pure Ed25519 over a message; throws once the key is wiped (lock, logout, removal). */
  sign: (message: Uint8Array) => Uint8Array;
}

export interface ConsoleWitnessDeps {
  session: () => OperatorSession | null;
  pool: () => pg.Pool;
  /** The companion key as a cosigner, or null (locked, not enrolled) with why. */
  key: (operatorId: string) => WitnessKey | { problem: { code: string; message: string } };
  /** Local heads and alarms (the encrypted cache), or a problem when it is not open. */
  store: () => (WitnessHeadStore & WitnessAlarmStore) | { problem: { code: string; message: string } };
  /** Appends the card-signed com.arx.witness.forkdetected event. */
  recordFork: (tenantId: string, witness: string, refusal: Refusal) => Promise<void>;
  publish: (status: WitnessStatus) => void;
  log: (line: string) => void;
  now?: () => Date;
}

/** Alarms this witness raised, kept beside its heads so that a restart neither forgets nor repeats them. */
export interface WitnessAlarmStore {
  alarms(witness: string): WitnessAlarm[];
  saveAlarms(witness: string, alarms: WitnessAlarm[]): void;
}

/** The witness name of an operator's companion key: unique per key, so a rotated key starts afresh. */
export const witnessNameOf = (operatorId: string, keyId: string) => `witness.arx/${operatorId}/${keyId.slice(0, 16)}`;

const issoTenants = (s: OperatorSession) => {
  const seen = new Map<string, string>();
  for (const r of s.roles) if (r.role === 'isso') seen.set(r.tenantId, r.tenant);
  return [...seen].map(([tenantId, tenant]) => ({ tenantId, tenant }));
};

export class ConsoleWitness {
  private status_: WitnessStatus = offStatus();
  private running: Promise<WitnessStatus> | null = null;
  /** Bumped on every session change: a pass that began under another session publishes nothing. */
  private epoch = 0;
  /** Refusals whose event could not be written yet (retried each pass while this console runs). */
  private readonly pendingRefusals = new Map<string, Refusal>();

  constructor(private readonly deps: ConsoleWitnessDeps) {}

  status(): WitnessStatus {
    const s = this.deps.session();
    if (!s || s.locked || issoTenants(s).length === 0) return offStatus();
    return this.status_;
  }

  /** The session changed (login, lock, logout): forget what was shown for the previous one. */
  reset(): void {
    this.epoch++;
    this.status_ = offStatus();
    this.deps.publish(this.status());
  }

  /** One pass over every isso tenant; concurrent calls share the pass in progress. */
  run(): Promise<WitnessStatus> {
    this.running ??= this.runOnce().finally(() => (this.running = null));
    return this.running;
  }

  acknowledge(): WitnessStatus {
    const s = this.status_;
    if (!s.witness) return this.status();
    const store = this.deps.store();
    const alarms = s.alarms.map((a) => ({ ...a, acknowledged: true }));
    if (!('problem' in store)) store.saveAlarms(s.witness, alarms);
    this.update({ ...s, alarms });
    return this.status();
  }

  private async runOnce(): Promise<WitnessStatus> {
    const epoch = this.epoch;
    const session = this.deps.session();
    if (!session || session.locked) return this.status();
    const tenants = issoTenants(session);
    if (tenants.length === 0) return this.status();
    const key = this.deps.key(session.operatorId);
    const store = this.deps.store();
    if ('problem' in key || 'problem' in store) {
      const problem = 'problem' in key ? key.problem : (store as { problem: WitnessStatus['problem'] }).problem;
      return this.update({ ...offStatus(), state: 'unavailable', problem }, epoch);
    }
    const witness = witnessNameOf(session.operatorId, key.keyId);
    let alarms = store.alarms(witness);
    const base: WitnessStatus = {
      state: 'running',
      witness,
      witnessKey: formatWitnessKey(witness, key.publicKey),
      lastRunAt: this.status_.lastRunAt,
      tenants: tenants.map((t) => this.previous(t, witness)),
      alarms,
      problem: null,
    };
    this.update(base, epoch);
    const results: WitnessTenant[] = [];
    for (const t of tenants) {
      const alarm = alarms.find((a) => a.tenantId === t.tenantId);
      if (alarm) {
        if (!alarm.recorded) alarms = await this.retryRecord(t.tenantId, witness, alarms, store);
        results.push({ ...this.previous(t, witness), state: 'alarm' });
        continue;
      }
      const done = await this.witnessTenant(t, key, witness, store);
      results.push(done.tenant);
      if (done.alarm) {
        alarms = [...alarms, done.alarm];
        store.saveAlarms(witness, alarms);
      }
    }
    const state = alarms.length > 0 ? 'alarm' : 'idle';
    return this.update(
      { ...base, state, tenants: results, alarms, lastRunAt: (this.deps.now?.() ?? new Date()).toISOString() },
      epoch,
    );
  }

  private previous(t: { tenantId: string; tenant: string }, witness: string): WitnessTenant {
    const known = this.status_.witness === witness ? this.status_.tenants.find((x) => x.tenantId === t.tenantId) : null;
    return (
      known ?? {
        ...t,
        state: 'waiting',
        witnessedSize: null,
        witnessedAt: null,
        latestSize: null,
        lag: 0,
        cosigned: 0,
        unverified: 0,
        problem: null,
      }
    );
  }

  private async witnessTenant(
    t: { tenantId: string; tenant: string },
    key: WitnessKey,
    witness: string,
    store: WitnessHeadStore,
  ): Promise<{ tenant: WitnessTenant; alarm?: WitnessAlarm }> {
    const pool = this.deps.pool();
    const cosigner = signingCosigner(witness, key.publicKey, key.sign);
    try {
      await this.ensureRegistered(pool, t.tenantId, cosigner);
      const r = await witnessPass({
        pool,
        tenantId: t.tenantId,
        cosigner,
        heads: store,
        now: () => Math.floor((this.deps.now?.() ?? new Date()).getTime() / 1000),
      });
      const witnessedSize = r.head?.size ?? null;
      const latest = r.latestSize ?? witnessedSize;
      const tenant: WitnessTenant = {
        ...t,
        state: r.refusal ? 'alarm' : 'current',
        witnessedSize,
        witnessedAt: r.head && r.head.cosignedAt > 0 ? new Date(r.head.cosignedAt * 1000).toISOString() : null,
        latestSize: latest,
        lag: Math.max(0, (latest ?? 0) - (witnessedSize ?? 0)),
        cosigned: r.cosigned,
        unverified: r.unverified,
        problem: null,
      };
      if (!r.refusal) return { tenant };
      return { tenant, alarm: await this.raise(t, witness, r.refusal) };
    } catch (err) {
      const e = err as { code?: string; message: string };
      this.deps.log(`witness: tenant ${t.tenantId} not witnessed (${e.code ?? 'INTERNAL'}: ${e.message})`);
      return {
        tenant: {
          ...this.previous(t, witness),
          state: 'error',
          problem: { code: e.code ?? 'INTERNAL', message: e.message },
        },
      };
    }
  }

  private async ensureRegistered(pool: pg.Pool, tenantId: string, cosigner: Cosigner): Promise<void> {
    const known = await withTenant(pool, tenantId, (c) => witnessKeyNamed(c, tenantId, cosigner.name));
    if (known && !bytesEqual(known, cosigner.publicKey))
      throw new ArxFailure(
        'WITNESS_STATE_INVALID',
        `The witness name ${cosigner.name} is registered with another key.`,
      );
    if (!known)
      await withTenant(pool, tenantId, (c) => registerWitnessKey(c, tenantId, cosigner.name, cosigner.publicKey));
  }

  private async raise(
    t: { tenantId: string; tenant: string },
    witness: string,
    refusal: Refusal,
  ): Promise<WitnessAlarm> {
    this.deps.log(`witness: ${refusal.code} in tenant ${t.tenantId}: ${refusal.message}`);
    const recorded = await this.deps
      .recordFork(t.tenantId, witness, refusal)
      .then(() => true)
      .catch((e: Error) => {
        this.deps.log(`witness: com.arx.witness.forkdetected not recorded (${e.message}); retried on the next pass`);
        this.pendingRefusals.set(`${witness}\n${t.tenantId}`, refusal);
        return false;
      });
    return {
      ...t,
      code: refusal.code,
      message: refusal.message,
      treeSize: refusal.offered?.size ?? null,
      cosignedSize: refusal.cosigned.size,
      detectedAt: (this.deps.now?.() ?? new Date()).toISOString(),
      recorded,
      acknowledged: false,
    };
  }

  private async retryRecord(
    tenantId: string,
    witness: string,
    alarms: WitnessAlarm[],
    store: WitnessAlarmStore,
  ): Promise<WitnessAlarm[]> {
    const refusal = this.pendingRefusals.get(`${witness}\n${tenantId}`);
    if (!refusal) return alarms;
    const ok = await this.deps
      .recordFork(tenantId, witness, refusal)
      .then(() => true)
      .catch(() => false);
    if (!ok) return alarms;
    const next = alarms.map((a) => (a.tenantId === tenantId ? { ...a, recorded: true } : a));
    store.saveAlarms(witness, next);
    return next;
  }

  private update(s: WitnessStatus, epoch = this.epoch): WitnessStatus {
    if (epoch !== this.epoch) return this.status();
    this.status_ = s;
    this.deps.publish(this.status());
    return this.status();
  }
}

function offStatus(): WitnessStatus {
  return { state: 'off', witness: null, witnessKey: null, lastRunAt: null, tenants: [], alarms: [], problem: null };
}
