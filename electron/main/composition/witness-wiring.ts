import { hostname } from 'node:os';
import { fromBase64, toBase64, toHex } from '../../../shared/bytes';
import type { WitnessAlarm } from '../../../shared/contract/domains/witness';
import type { CosignedHead } from '../../../shared/witness';
import type { CacheService } from '../cache/cache-service';
import type { OperatorAuth } from '../card/operator-auth';
import type { CompanionService } from '../companion/companion-service';
import type { ControlPlane } from '../controlplane/control-plane';
import { recordWitnessFork } from '../controlplane/repos/witnesses';
import { stepEventRows } from '../controlplane/step-events';
import { withTenant } from '../controlplane/tenant-session';
import { loadBlake3 } from '../crypto/blake3';
import type { ConsoleWitnessDeps, WitnessAlarmStore, WitnessKey } from '../witness/console-witness';
import type { Refusal, WitnessHeadStore } from '../witness/witness-pass';

const HEAD_KIND = 'witness-head';
const ALARM_KIND = 'witness-alarms';

interface StoredHead {
  origin: string;
  size: number;
  root: string;
  note: string;
  cosignedAt: number;
}

/**
 * The witness's own record of its heads and alarms, in the console's encrypted cache (never
 * evicted): what a restore of the control plane to an earlier state cannot take back.
 */
export function cacheWitnessStore(cache: CacheService): ConsoleWitnessDeps['store'] {
  return () => {
    if (!cache.cache.isUnlocked)
      return {
        problem: {
          code: 'CACHE_LOCKED',
          message: 'The local cache is not open: the witness keeps its last cosigned heads there.',
        },
      };
    const store: WitnessHeadStore & WitnessAlarmStore = {
      get(tenantId, witness) {
        const h = cache.get<StoredHead>(HEAD_KIND, JSON.stringify([tenantId, witness]));
        const root = h ? fromBase64(h.root) : undefined;
        return h && root ? { ...h, root } : undefined;
      },
      put(tenantId, witness, head: CosignedHead) {
        const stored: StoredHead = { ...head, root: toBase64(head.root) };
        cache.put(HEAD_KIND, JSON.stringify([tenantId, witness]), stored, { refetchable: false });
      },
      alarms: (witness) => cache.get<WitnessAlarm[]>(ALARM_KIND, witness) ?? [],
      saveAlarms: (witness, alarms) => cache.put(ALARM_KIND, witness, alarms, { refetchable: false }),
    };
    return store;
  };
}

/** The logged-in operator's companion key as their witness key. */
export function companionWitnessKey(companion: CompanionService): ConsoleWitnessDeps['key'] {
  return () => {
    const held = companion.current();
    if (!held) {
      const st = companion.status();
      return {
        problem: st.problem ?? {
          code: st.state === 'not-enrolled' ? 'COMPANION_KEY_NONE' : 'COMPANION_KEY_LOCKED',
          message:
            st.state === 'not-enrolled'
              ? 'Enrol a companion key: the witness cosigns with its Ed25519 half.'
              : 'The companion key is not open yet.',
        },
      };
    }
    const key: WitnessKey = {
      keyId: held.keys.keyId,
      publicKey: held.keys.ed25519Public,
      sign: (m) => held.keys.signEd25519(m),
    };
    return key;
  };
}

/** Appends the card-signed com.arx.witness.forkdetected event to the tenant's chain. */
export function forkRecorder(controlPlane: ControlPlane, operatorAuth: OperatorAuth): ConsoleWitnessDeps['recordFork'] {
  return async (tenantId: string, witness: string, r: Refusal) => {
    const session = operatorAuth.session();
    if (!session) throw new Error('nobody is logged in');
    const event = {
      type: 'com.arx.witness.forkdetected' as const,
      data: {
        operatorId: session.operatorId,
        witness,
        code: r.code,
        treeSize: r.offered?.size ?? null,
        rootSha256: r.offered ? toHex(r.offered.root) : null,
        cosignedSize: r.cosigned.size,
        cosignedRootSha256: toHex(r.cosigned.root),
        checkpoint: r.offered?.note ?? null,
        cosignedCheckpoint: r.cosigned.note || null,
      },
      subject: session.edipi,
    };
    const source = `/arx/console/${hostname().replace(/[^A-Za-z0-9._-]/g, '-') || 'host'}`;
    const blake3 = await loadBlake3();
    await withTenant(controlPlane.requirePool(), tenantId, async (c) =>
      recordWitnessFork(
        c,
        tenantId,
        await stepEventRows(c, tenantId, source, event, blake3, operatorAuth.eventWriter() ?? {}),
      ),
    );
  };
}
