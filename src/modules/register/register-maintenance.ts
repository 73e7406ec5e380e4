import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { describeForLog } from '../http/error.filter.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { dailyJobOutcomes, WorkerDailyJob, type DailyJobOutcomes } from '../shared/daily-job.js';
import { RegisterService } from './register.service.js';

export { FIRST_RUN_MS } from '../shared/daily-job.js';

/**
 * Creates next month's segment, publishes the head as an anchor, drops the month segments
 * past retention and verifies the whole register: a minute after start, then daily. An
 * altered register is raised — an error line naming the first bad entry and the problems
 * (ids, sequence numbers and dates, no value), and `passerelle_register_intact` at 0 — so
 * that tampering is found without anyone asking. Run by worker processes (role `worker` or
 * `all`); several doing it at once is harmless. The timers do not keep a process alive,
 * and stop with the app.
 */
@Injectable()
export class RegisterMaintenance extends WorkerDailyJob {
  private readonly logger = new Logger('Register');
  private readonly maintenance: DailyJobOutcomes;
  private readonly nextSegment: DailyJobOutcomes;
  private readonly verification: DailyJobOutcomes;
  private readonly intact: Gauge | undefined;

  constructor(
    private readonly register: RegisterService,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics?: MetricsService,
  ) {
    super(config.role);
    this.maintenance = dailyJobOutcomes(metrics, 'register-maintenance');
    this.nextSegment = dailyJobOutcomes(metrics, 'register-next-segment');
    this.verification = dailyJobOutcomes(metrics, 'register-verification');
    this.intact = metrics?.gauge({
      name: 'passerelle_register_intact',
      help: 'The daily verification of the register: 1 intact, 0 altered (absent before the first)',
    });
  }

  async run(now = new Date()): Promise<void> {
    try {
      await this.register.prepareNextSegment(now);
      this.nextSegment.succeeded();
    } catch (error) {
      this.nextSegment.failed();
      // Class and SQLSTATE (55P03: the lock waited for too long), no message.
      this.logger.warn({
        msg: "next month's register segment not created yet (tried again tomorrow)",
        ...describeForLog(error),
      });
    }
    try {
      await this.register.anchor(now);
      const { dropped } = await this.register.applyRetention(now, this.config.registerRetention);
      if (dropped.length > 0)
        this.logger.log(`retention dropped ${dropped.length} register segment(s)`);
      this.maintenance.succeeded();
    } catch (error) {
      this.maintenance.failed();
      this.logger.error({ msg: 'register maintenance failed', ...describeForLog(error) });
    }
    try {
      const result = await this.register.verify(this.stopSignal);
      this.intact?.set(result.intact ? 1 : 0);
      this.verification.succeeded();
      if (!result.intact) {
        this.logger.error({
          msg: 'register verification: the register was altered',
          firstBad: result.firstBad,
          problems: result.problems,
          count: result.count,
        });
      }
    } catch (error) {
      if (this.stopSignal.aborted) {
        // The process is stopping: not a failure; the next process's run verifies it.
        this.logger.log('register verification stopped: the process is shutting down');
        return;
      }
      this.verification.failed();
      this.logger.error({ msg: 'register verification could not run', ...describeForLog(error) });
    }
  }
}
