import { BullModule } from '@nestjs/bullmq';
import { Module, type DynamicModule } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import type { Db } from '../../database/database.js';
import { DATABASE, DatabaseModule } from '../../database/database.module.js';
import { BookingsModule } from '../bookings/bookings.module.js';
import { BookingsService } from '../bookings/bookings.service.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RegisterModule } from '../register/register.module.js';
import { TransportsModule } from '../transports/transports.module.js';
import { BacklogMetrics } from './backlog-metrics.js';
import { DispatcherService, TRANSMISSIONS_QUEUE } from './dispatcher.service.js';
import { OpsAlerts } from './ops-alerts.js';
import { PlannerService } from './planner.service.js';
import { redisOptionsFromUrl } from './redis-options.js';
import { TRIP_SOURCE } from './trip-source.js';
import { configuredProcessor } from './transmission.processor.js';
import { TransmissionSender } from './transmission-sender.js';
import { RestrictionsController } from './restrictions.controller.js';
import { RestrictionsService } from './restrictions.service.js';
import { TransmissionsController } from './transmissions.controller.js';
import { TransmissionsRepository } from './transmissions.repository.js';

/** How many recent queue events Redis keeps (approximately: trimmed by whole stream nodes). */
const QUEUE_EVENTS_KEPT = 1000;

/**
 * Automatic transmissions: the plan in PostgreSQL, the queue in Redis (BullMQ, ids only),
 * the worker (roles `worker` and `all`) and operations' endpoints.
 */
@Module({})
export class TransmissionsModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: TransmissionsModule,
      imports: [
        BullModule.forRoot({
          connection: redisOptionsFromUrl(config.redisUrl),
          prefix: config.queuePrefix,
        }),
        BullModule.registerQueue({
          name: TRANSMISSIONS_QUEUE,
          // BullMQ keeps a stream of every job's events (added, active, completed…), 10,000 by
          // default; nothing here reads it, and it was most of what the queue kept in Redis
          // once jobs are removed on completion. A short tail stays for an operator's tools.
          streams: { events: { maxLen: QUEUE_EVENTS_KEPT } },
        }),
        DatabaseModule,
        ContractsModule,
        MetricsModule,
        RegisterModule,
        TransportsModule,
        BookingsModule,
      ],
      controllers: [TransmissionsController, RestrictionsController],
      providers: [
        { provide: TRIP_SOURCE, useExisting: BookingsService },
        {
          provide: TransmissionsRepository,
          inject: [DATABASE],
          useFactory: (db: Db) => new TransmissionsRepository(db),
        },
        PlannerService,
        DispatcherService,
        TransmissionSender,
        OpsAlerts,
        RestrictionsService,
        ...(config.role === 'api' ? [] : [configuredProcessor(config), BacklogMetrics]),
      ],
      exports: [PlannerService, DispatcherService, TransmissionsRepository],
    };
  }
}
