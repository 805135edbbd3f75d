import { useCallback, useEffect, useRef, useState } from 'react';
import type { ArxError } from '../app/arx-client';
import { callArx } from '../app/arx-client';
import type { Draft, PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { draftKey, recallDraft, rememberDraft, type DraftContent } from './draft-store';

export type DraftSaveState =
  | { state: 'idle' }
  | { state: 'saving' }
  | { state: 'saved'; draft: Draft; text: string; tests: PolicyTest[] }
  /** Main could not keep it (e.g. no control plane): it is kept in this window only. */
  | { state: 'local'; error: ArxError };

export interface UseDraft {
  loading: boolean;
  content: DraftContent | null;
  /** Where the draft came from when the editor opened. */
  origin: 'memory' | 'saved' | 'version' | 'new';
  save: DraftSaveState;
  update: (next: Partial<DraftContent>) => void;
  /** Saves now (e.g. before signing) and resolves with main's draft, or the error. */
  flush: () => Promise<DraftSaveState>;
}

const SAVE_DELAY_MS = 400;

const sendDraft = (tenantId: string, policyName: string, c: DraftContent) =>
  callArx((arx) =>
    arx.policy.saveDraft({
      tenantId,
      policyName,
      baseSha256: c.baseSha256,
      text: c.text,
      schema: null,
      tests: c.tests,
    }),
  );

/** Main's saved draft if there is one, else where `start` says; the save state when main answered or failed. */
async function openDraft(
  tenantId: string,
  policyName: string,
  start: () => Promise<{ content: DraftContent; origin: 'version' | 'new' }>,
): Promise<{ content: DraftContent; origin: UseDraft['origin']; save: DraftSaveState | null }> {
  const saved = await callArx((arx) => arx.policy.getDraft({ tenantId, policyName }));
  if (saved.ok && saved.value) {
    const c = { text: saved.value.text, tests: saved.value.tests, baseSha256: saved.value.baseSha256 };
    return { content: c, origin: 'saved', save: { state: 'saved', draft: saved.value, text: c.text, tests: c.tests } };
  }
  const s = await start();
  return { ...s, save: saved.ok ? null : { state: 'local', error: saved.error } };
}

/**
 * Saving the current draft to main: now (`saveNow`, also what `flush` is), after SAVE_DELAY_MS
 * (`schedule`), and once more on unmount when a save is still pending.
 */
function useDraftSaver(tenantId: string, policyName: string, current: { current: DraftContent | null }) {
  const [save, setSave] = useState<DraftSaveState>({ state: 'idle' });
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);

  const saveNow = useCallback(async (): Promise<DraftSaveState> => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = null;
    const c = current.current;
    if (!c) return { state: 'idle' };
    setSave({ state: 'saving' });
    const r = await sendDraft(tenantId, policyName, c);
    const next: DraftSaveState = r.ok
      ? { state: 'saved', draft: r.value, text: c.text, tests: c.tests }
      : { state: 'local', error: r.error };
    // Only the answer for what is still the current content counts.
    if (current.current === c) setSave(next);
    return next;
  }, [tenantId, policyName, current]);

  useEffect(
    () => () => {
      // Leaving the screen (or the lock screen replacing it): save what is pending now.
      if (timer.current) {
        clearTimeout(timer.current);
        timer.current = null;
        const c = current.current;
        if (c) void sendDraft(tenantId, policyName, c);
      }
    },
    [tenantId, policyName, current],
  );

  const schedule = useCallback(() => {
    if (timer.current) clearTimeout(timer.current);
    timer.current = setTimeout(() => void saveNow(), SAVE_DELAY_MS);
  }, [saveNow]);

  return { save, setSave, saveNow, schedule };
}

/**
 * The operator's draft of one policy: the in-memory copy first (the lock screen unmounted the
 * editor), then main's saved draft (policy.getDraft), then the active version, then `fallback`.
 * Every change is remembered at once and saved to main after SAVE_DELAY_MS (policy.saveDraft).
 * Mount it with a React key per (tenant, policy): it reads the draft once per mount.
 */
export function useDraft(
  operatorId: string,
  tenantId: string,
  policyName: string,
  start: () => Promise<{ content: DraftContent; origin: 'version' | 'new' }>,
): UseDraft {
  const key = draftKey(operatorId, tenantId, policyName);
  const [content, setContent] = useState<DraftContent | null>(() => recallDraft(key) ?? null);
  const [origin, setOrigin] = useState<UseDraft['origin']>(() => (recallDraft(key) ? 'memory' : 'new'));
  const [loading, setLoading] = useState(() => !recallDraft(key));
  const current = useRef<DraftContent | null>(content);
  const { save, setSave, saveNow, schedule } = useDraftSaver(tenantId, policyName, current);
  const startRef = useRef(start);
  useEffect(() => {
    startRef.current = start;
  }, [start]);

  useEffect(() => {
    let live = true;
    // The initial state already holds the remembered copy (callers remount per key): re-save it.
    if (recallDraft(key)) {
      void saveNow();
      return () => {
        live = false;
      };
    }
    void (async () => {
      const opened = await openDraft(tenantId, policyName, () => startRef.current());
      if (!live) return;
      current.current = opened.content;
      rememberDraft(key, opened.content);
      setContent(opened.content);
      setOrigin(opened.origin);
      if (opened.save) setSave(opened.save);
      setLoading(false);
    })();
    return () => {
      live = false;
    };
  }, [key, tenantId, policyName, saveNow, setSave]);

  const update = useCallback(
    (next: Partial<DraftContent>) => {
      const prev = current.current;
      if (!prev) return;
      const c = { ...prev, ...next };
      current.current = c;
      rememberDraft(key, c);
      setContent(c);
      schedule();
    },
    [key, schedule],
  );

  return { loading, content, origin, save, update, flush: saveNow };
}
