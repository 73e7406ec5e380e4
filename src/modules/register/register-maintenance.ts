import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { DailyJob } from '../shared/daily-job.js';
import { RegisterService } from './register.service.js';

export { FIRST_RUN_MS } from '../shared/daily-job.js';

/**
 * Publishes the head as an anchor and drops the month segments past retention: a minute
 * after start, then daily. Run by worker processes (role `worker` or `all`); several doing
 * it at once is harmless. The timers do not keep a process alive, and stop with the app.
 */
@Injectable()
export class RegisterMaintenance implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Register');
  private readonly job = new DailyJob(() => this.run());

  constructor(
    private readonly register: RegisterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    if (this.config.role !== 'api') this.job.start();
  }

  onModuleDestroy(): void {
    this.job.stop();
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
