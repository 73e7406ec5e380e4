import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { RegisterService } from './register.service.js';

const DAY_MS = 24 * 60 * 60 * 1000;
/**
 * The first run after start: soon, so that a worker restarted more often than daily (a
 * deployment, a crash) still anchors the head and applies retention.
 */
export const FIRST_RUN_MS = 60 * 1000;

/**
 * Publishes the head as an anchor and drops the month segments past retention: a minute
 * after start, then daily. Run by worker processes (role `worker` or `all`); several doing
 * it at once is harmless. The timers do not keep a process alive, and stop with the app.
 */
@Injectable()
export class RegisterMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Register');
  private timers: NodeJS.Timeout[] = [];

  constructor(
    private readonly register: RegisterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role === 'api') return;
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

  async run(now = new Date()): Promise<void> {
    try {
      await this.register.anchor(now);
      const { dropped } = await this.register.applyRetention(now, this.config.registerRetention);
      if (dropped.length > 0)
        this.logger.log(`retention dropped ${dropped.length} register segment(s)`);
    } catch (error) {
      this.logger.error(
        `register maintenance failed: ${error instanceof Error ? error.name : 'error'}`,
      );
    }
  }
}
