import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import type { MetricsService } from '../metrics/metrics.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The first run after start: soon, so that a process restarted more often than daily (a
 * deployment, a crash) still runs the job.
 */
export const FIRST_RUN_MS = 60 * 1000;

/**
 * A job of the worker processes (role `worker` or `all`) run a minute after start, then
 * daily (a run still under way when the next is due is not joined by another). Its timers
 * do not keep the process alive, and stop with the app; a run under way is told to stop
 * (`stopSignal`: a long one, the register's verification, ends between two batches) and
 * waited for, so that the database pool closes after it rather than past the shutdown's
 * deadline.
 */
export abstract class WorkerDailyJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timers: NodeJS.Timeout[] = [];
  private readonly stopping = new AbortController();
  /** The timers' run under way, if any. */
  private running: Promise<void> | undefined;

  protected constructor(private readonly role: AppConfig['role']) {}

  /** One run; never throws (its failures are logged). */
  abstract run(now?: Date): Promise<void>;

  /** Aborted once the app stops: a run checks it where it can end early. */
  protected get stopSignal(): AbortSignal {
    return this.stopping.signal;
  }

  onApplicationBootstrap(): void {
    if (this.role === 'api') return;
    const start = () => {
      if (this.stopping.signal.aborted) return;
      this.running ??= this.run().finally(() => {
        this.running = undefined;
      });
    };
    const first = setTimeout(start, FIRST_RUN_MS);
    const daily = setInterval(start, DAY_MS);
    first.unref();
    daily.unref();
    this.timers = [first, daily];
  }

  async onModuleDestroy(): Promise<void> {
    this.stopping.abort();
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
    await this.running;
  }
}

/** What a daily job tells `/metrics`: when it last succeeded, and how often it failed. */
export interface DailyJobOutcomes {
  succeeded(now?: Date): void;
  failed(): void;
}

/**
 * `passerelle_daily_job_last_success_timestamp_seconds{job}` and
 * `passerelle_daily_job_failures_total{job}` for one job of this process: an operator alerts
 * when the newest success of any process is more than a day and a bit old.
 */
export function dailyJobOutcomes(
  metrics: MetricsService | undefined,
  job: string,
): DailyJobOutcomes {
  if (metrics === undefined) return { succeeded: () => undefined, failed: () => undefined };
  const lastSuccess = metrics.gauge({
    name: 'passerelle_daily_job_last_success_timestamp_seconds',
    help: 'When a daily job (register-maintenance: anchor and retention; register-next-segment; booking-retention) last succeeded in this process, Unix seconds',
    labelNames: ['job'],
  });
  const failures = metrics.counter({
    name: 'passerelle_daily_job_failures_total',
    help: 'Runs of a daily job that failed (logged with the error class), by job',
    labelNames: ['job'],
  });
  failures.inc({ job }, 0);
  return {
    succeeded: (now = new Date()) => {
      lastSuccess.set({ job }, now.getTime() / 1000);
    },
    failed: () => {
      failures.inc({ job });
    },
  };
}
