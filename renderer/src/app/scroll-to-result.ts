import { useEffect, useRef, type RefObject } from 'react';

/**
 * Brings a result into view when it appears (or a new one replaces it), if it starts below the
 * fold: after "Verify", "Re-verify", "Open bundle" or an impact run the answer is often under the
 * form. `result` is the value shown (null or undefined: nothing shown yet).
 */
export function useScrollToResult<T extends HTMLElement = HTMLDivElement>(result: unknown): RefObject<T | null> {
  const ref = useRef<T>(null);
  useEffect(() => {
    const el = ref.current;
    if (result === null || result === undefined || !el) return;
    const top = el.getBoundingClientRect().top;
    // Already in view with room for a few lines of it: leave the page where the operator is.
    if (top >= 0 && top < window.innerHeight * 0.6) return;
    el.scrollIntoView({ block: 'start' });
  }, [result]);
  return ref;
}
