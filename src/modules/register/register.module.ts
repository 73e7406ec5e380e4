import { Module } from '@nestjs/common';
import type { ControllerConfig } from '../../core/register/controller-config.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Db } from '../../database/database.js';
import { DATABASE, DatabaseModule } from '../../database/database.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { ContractVersionCheck } from './contract-version-check.js';
import { loadControllerConfig } from './record-of-processing.js';
import { RegisterAppender } from './register-appender.js';
import { RegisterMaintenance } from './register-maintenance.js';
import { RegisterController } from './register.controller.js';
import { RegisterRepository } from './register.repository.js';
import { RegisterService } from './register.service.js';
import { CONTROLLER_CONFIG } from './register.tokens.js';

/** The disclosure register: append (for the transmissions and the emergency release), read, verify, export. */
@Module({
  imports: [DatabaseModule, ContractsModule, MetricsModule],
  controllers: [RegisterController],
  providers: [
    {
      provide: RegisterRepository,
      inject: [DATABASE],
      useFactory: (db: Db) => new RegisterRepository(db),
    },
    {
      provide: RegisterAppender,
      inject: [RegisterRepository, MetricsService],
      useFactory: (repository: RegisterRepository, metrics: MetricsService) => {
        const appends = metrics.counter({
          name: 'passerelle_register_appends_total',
          help: 'Register entries appended',
        });
        const batches = metrics.histogram({
          name: 'passerelle_register_batch_seconds',
          help: 'Time to seal and commit one batch of register entries',
          buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
        });
        const failures = metrics.counter({
          name: 'passerelle_register_append_failures_total',
          help: 'Register entries that could not be appended (their sends, releases and reads were refused: fail closed)',
        });
        return new RegisterAppender(repository, {
          onCommitted: (entries, seconds) => {
            appends.inc(entries);
            batches.observe(seconds);
          },
          onFailed: (entries) => {
            failures.inc(entries);
          },
        });
      },
    },
    {
      provide: RegisterService,
      inject: [RegisterRepository, RegisterAppender],
      useFactory: (repository: RegisterRepository, appender: RegisterAppender) =>
        new RegisterService(repository, appender),
    },
    {
      provide: CONTROLLER_CONFIG,
      inject: [APP_CONFIG],
      useFactory: (config: AppConfig): Promise<ControllerConfig> =>
        loadControllerConfig(config.configDir),
    },
    RegisterMaintenance,
    ContractVersionCheck,
  ],
  exports: [RegisterService],
})
export class RegisterModule {}
