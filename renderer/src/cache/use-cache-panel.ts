import { useCallback, useEffect, useState } from 'react';
import type { CacheStatus, OutboxItem } from '../../../shared/contract/domains/cache';
import { callArx, subscribeArx, type ArxError } from '../app/arx-client';

export type CacheKinds = { kind: string; count: number; keys: string[] }[];

type Envelope<T> = { ok: true; value: T } | { ok: false; error: ArxError };

/** Runs one cache action: `label` marks the busy button, `done` turns the result into the notice. */
export type RunCacheAction = <T>(
  label: string,
  action: () => Promise<Envelope<T>>,
  done?: (v: T) => string | null,
) => Promise<void>;

/** The status, and the outbox when the cache is open. */
async function load() {
  const status = await callArx((arx) => arx.cache.status({}));
  let items: OutboxItem[] | null = null;
  let kinds: CacheKinds | null = null;
  if (status.ok && (status.value.state === 'unlocked' || status.value.state === 'damaged')) {
    const o = await callArx((arx) => arx.cache.outboxList({}));
    items = o.ok ? o.value.items : null;
  }
  if (status.ok && status.value.state === 'unlocked') {
    const e = await callArx((arx) => arx.cache.entries({ limit: 5 }));
    kinds = e.ok ? e.value.kinds : null;
  }
  return { status, items, kinds };
}

/**
 * The cache panel's state: status, outbox and cached kinds (reloaded on `cache.changed`), and one
 * `run` for every action so that busy, error and notice behave the same for all of them.
 */
export function useCachePanel() {
  const [status, setStatus] = useState<CacheStatus | null>(null);
  const [items, setItems] = useState<OutboxItem[] | null>(null);
  const [kinds, setKinds] = useState<CacheKinds | null>(null);
  const [error, setError] = useState<ArxError | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);

  const apply = useCallback((r: Awaited<ReturnType<typeof load>>) => {
    if (r.status.ok) setStatus(r.status.value);
    else setError(r.status.error);
    setItems(r.items);
    setKinds(r.kinds);
  }, []);
  const refresh = useCallback(() => load().then(apply), [apply]);

  useEffect(() => {
    let live = true;
    void load().then((r) => {
      if (live) apply(r);
    });
    const off = subscribeArx('cache.changed', (s) => {
      setStatus(s);
      void refresh();
    });
    return () => {
      live = false;
      off();
    };
  }, [apply, refresh]);

  const run: RunCacheAction = async (label, action, done) => {
    setBusy(label);
    setError(null);
    setNotice(null);
    const r = await action();
    setBusy(null);
    if (!r.ok) setError(r.error);
    else if (done) setNotice(done(r.value));
    await refresh();
  };

  return { status, items, kinds, error, setError, busy, notice, run };
}
