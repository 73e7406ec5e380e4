import type { OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * The first run after start: soon, so that a process restarted more often than daily (a
 * deployment, a crash) still runs the job.
 */
export const FIRST_RUN_MS = 60 * 1000;

/**
 * A job of the worker processes (role `worker` or `all`) run a minute after start, then
 * daily. Its timers do not keep the process alive, and stop with the app.
 */
export abstract class WorkerDailyJob implements OnApplicationBootstrap, OnModuleDestroy {
  private timers: NodeJS.Timeout[] = [];

  protected constructor(private readonly role: AppConfig['role']) {}

  /** One run; never throws (its failures are logged). */
  abstract run(now?: Date): Promise<void>;

  onApplicationBootstrap(): void {
    if (this.role === 'api') return;
    const first = setTimeout(() => void this.run(), FIRST_RUN_MS);
    const daily = setInterval(() => void this.run(), DAY_MS);
    first.unref();
    daily.unref();
    this.timers = [first, daily];
  }

  onModuleDestroy(): void {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers = [];
  }
}
