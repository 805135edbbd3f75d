/**
 * How long to wait before the next health check: the normal interval while connected; after
 * failures, doubling from that interval up to `maxMs`, so that a server that is down for long is
 * not hammered while one that blips is found again within seconds.
 */
export function nextCheckDelayMs(failures: number, baseMs: number, maxMs: number): number {
  if (failures <= 0) return baseMs;
  return Math.min(maxMs, baseMs * 2 ** Math.min(failures - 1, 20));
}

/** Runs `check` again and again, each time after `delay()`; `now()` runs it at once and starts over. */
export class HealthSchedule {
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  nextAt: Date | null = null;

  constructor(
    private readonly check: () => Promise<unknown>,
    private readonly delay: () => number,
  ) {}

  start(): void {
    this.stopped = false;
    this.arm();
  }

  private arm(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    const ms = this.delay();
    this.nextAt = new Date(Date.now() + ms);
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.check().finally(() => this.arm());
    }, ms);
    this.timer.unref();
  }

  /** Re-arms after a check made outside the schedule (Retry now), so the next one follows the new state. */
  rearm(): void {
    if (this.timer) this.arm();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.nextAt = null;
  }
}
