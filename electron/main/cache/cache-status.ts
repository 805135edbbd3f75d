import type { CacheStatus } from '../../../shared/contract/domains/cache';
import type { LocalCache } from './local-cache';

/** What the console shows of the cache; `damage` is a problem found while opening it. */
export function cacheStatus(
  c: LocalCache,
  damage: { code: string; message: string } | null,
  recoveryConfigured: boolean,
): CacheStatus {
  const s = c.stats();
  let recipients: CacheStatus['recipients'] = [];
  let rotation: CacheStatus['rotation'] = null;
  if (c.isUnlocked) {
    try {
      recipients = c.recipients().map((r) => ({ role: r.role, kind: r.kind, label: r.label, recipient: r.id }));
      rotation = c.rotation();
    } catch {
      recipients = [];
    }
  }
  const problem = c.problem ?? damage;
  return {
    state: !c.exists() ? 'absent' : !c.isUnlocked ? (problem ? 'damaged' : 'locked') : problem ? 'damaged' : 'unlocked',
    problem,
    file: c.file,
    fileBytes: s.fileBytes,
    limitBytes: c.options.limitBytes,
    records: s.records,
    refetchableBytes: s.refetchableBytes,
    outbox: s.outbox,
    generation: s.generation,
    rotation,
    recipients,
    recoveryConfigured,
    unlockedBy: c.unlockedBy,
  };
}
