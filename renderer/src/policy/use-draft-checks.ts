import { useCallback, useEffect, useState } from 'react';
import type { PolicyTest } from '../../../shared/contract/domains/policy-lifecycle';
import { callArx, type ArxError } from '../app/arx-client';
import type { PolicyValidation } from './PolicyEditor';
import type { PolicyTestRun } from './TestsPanel';

const TEST_DELAY_MS = 300;

export type ActionError = { title: string; error: ArxError };

/**
 * The draft's validation (reported by the editor) and its test run (run on every change of the
 * text or the tests, debounced; a stale answer is dropped). Each is current only for the exact
 * text and tests it was made for.
 */
/** `onError` must be stable (a state setter). */
export function useDraftChecks(text: string, tests: PolicyTest[] | undefined, onError: (e: ActionError) => void) {
  const [validated, setValidated] = useState<{ text: string; validation: PolicyValidation | null } | null>(null);
  const [run, setRun] = useState<{ text: string; tests: PolicyTest[]; run: PolicyTestRun | null } | null>(null);

  useEffect(() => {
    if (tests === undefined) return;
    let live = true;
    const t = setTimeout(() => {
      void callArx((arx) => arx.policy.test({ text, tests })).then((r) => {
        if (!live) return;
        setRun({ text, tests, run: r.ok ? r.value : null });
        if (!r.ok) onError({ title: 'The tests could not be run', error: r.error });
      });
    }, TEST_DELAY_MS);
    return () => {
      live = false;
      clearTimeout(t);
    };
  }, [text, tests, onError]);

  const validate = useCallback(
    async (t: string) => {
      const r = await callArx((arx) => arx.policy.validate({ text: t }));
      if (!r.ok) onError({ title: 'The policy could not be validated', error: r.error });
      return r.ok ? r.value : null;
    },
    [onError],
  );

  const validation = validated && validated.text === text ? validated.validation : null;
  const ranCurrent = run !== null && run.text === text && run.tests === tests;
  return {
    validation,
    validate,
    onValidated: (t: string, v: PolicyValidation | null) => setValidated({ text: t, validation: v }),
    currentRun: ranCurrent ? run.run : null,
    running: !ranCurrent,
  };
}
