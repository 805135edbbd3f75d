import type { VerifyOptions, VerifyProgress } from './verification';

export type ProgressReporter = ReturnType<typeof progressReporter>;

/** Throttled progress (at most ~5 a second), with the rate and the time left. */
export function progressReporter(onProgress: VerifyOptions['onProgress'], total: number, interval: number) {
  const started = performance.now();
  let last = 0;
  let phase: VerifyProgress['phase'] = 'checkpoints';
  let state = { rows: 0, bytes: 0, seq: 0 };
  const emit = (force: boolean) => {
    if (!onProgress) return;
    const now = performance.now();
    if (!force && now - last < interval) return;
    last = now;
    const secs = (now - started) / 1000;
    const rate = secs > 0 ? state.rows / secs : 0;
    const left = rate > 0 && total > 0 ? Math.max(0, (total - state.rows) / rate) : null;
    onProgress({
      phase,
      ...state,
      total,
      eventsPerSecond: Math.round(rate),
      secondsLeft: left === null ? null : Math.round(left * 10) / 10,
    });
  };
  return {
    phase(p: VerifyProgress['phase']) {
      phase = p;
      emit(true);
    },
    events(rows: number, bytes: number, seq: number) {
      state = { rows, bytes, seq };
      emit(false);
    },
  };
}
