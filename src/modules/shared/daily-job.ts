const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The first run after start: soon, so that a process restarted more often than daily (a
 * deployment, a crash) still runs the job.
 */
export const FIRST_RUN_MS = 60 * 1000;

/**
 * A job of the worker processes run a minute after start, then daily. Its timers do not keep
 * the process alive, and stop with the app.
 */
export class DailyJob {
  private timers: NodeJS.Timeout[] = [];

  constructor(private readonly run: () => Promise<void>) {}

  start(): void {
    const first = setTimeout(() => void this.run(), FIRST_RUN_MS);
    const daily = setInterval(() => void this.run(), DAY_MS);
    first.unref();
    daily.unref();
    this.timers = [first, daily];
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
