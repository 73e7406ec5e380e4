import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Gauge } from 'prom-client';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Db } from '../../database/database.js';
import { DATABASE, DatabaseModule } from '../../database/database.module.js';
import { describeForLog } from '../http/error.filter.js';
import { RegisterModule } from '../register/register.module.js';
import { RegisterService } from '../register/register.service.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { dailyJobOutcomes, WorkerDailyJob, type DailyJobOutcomes } from '../shared/daily-job.js';
import { BookingCipher } from './booking-cipher.js';
import { BookingsController } from './bookings.controller.js';
import { BookingsRepository } from './bookings.repository.js';
import { BookingsService } from './bookings.service.js';
import { DEV_DATA_KEY_FILE, resolveMasterKey } from './master-key.js';

/**
 * The retention job (default 30 days after a trip ends), in worker processes (role `worker`
 * or `all`): a minute after start, then daily. Several processes at once take disjoint rows.
 */
@Injectable()
class BookingRetention extends WorkerDailyJob {
  private readonly logger = new Logger('Bookings');
  private readonly outcomes: DailyJobOutcomes;

  constructor(
    private readonly bookings: BookingsService,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
  ) {
    super(config.role);
    this.outcomes = dailyJobOutcomes(metrics, 'booking-retention');
  }

  async run(now = new Date()): Promise<void> {
    try {
      await this.bookings.eraseExpired(now);
      this.outcomes.succeeded();
    } catch (error) {
      this.outcomes.failed();
      this.logger.error({ msg: 'booking retention failed', ...describeForLog(error) });
    }
  }
}

/**
 * At start, in every role: re-wraps the data keys a previous master key wrapped (rotation),
 * and indexes the policies of bookings stored before the policy index existed or under a
 * previous master key — the API looks insured participants up in it.
 */
@Injectable()
class PolicyIndexer implements OnApplicationBootstrap {
  private readonly logger = new Logger('Bookings');
  private readonly leftovers: Gauge<'table'>;

  constructor(
    private readonly bookings: BookingsService,
    metrics: MetricsService,
  ) {
    this.leftovers = metrics.gauge({
      name: 'passerelle_sealed_under_other_key',
      help: 'Bookings and emergency requests still sealed under a master key other than PASSERELLE_DATA_KEY, as counted at this process’s start (after re-wrapping): drop a previous key only at 0',
      labelNames: ['table'],
    });
  }

  async onApplicationBootstrap(): Promise<void> {
    // A rotated master key first: what the previous one wrapped is re-wrapped, then its
    // policies are indexed under the new key — those re-wrapped so far, even if the
    // re-wrapping stopped short (the lookup knows only what is indexed under this key).
    try {
      await this.bookings.rewrapUnderCurrentKey();
    } catch (error) {
      this.logger.error({ msg: 'data key re-wrapping failed', ...describeForLog(error) });
    }
    try {
      await this.bookings.indexPolicies();
      const leftovers = this.bookings.sealedUnderOtherKey;
      if (leftovers !== undefined) {
        this.leftovers.set({ table: 'bookings' }, leftovers.bookings);
        this.leftovers.set({ table: 'emergency_requests' }, leftovers.emergencyRequests);
      }
    } catch (error) {
      this.logger.error({ msg: 'policy indexing failed', ...describeForLog(error) });
    }
  }
}

/**
 * Ingest of trips and bookings (bookings encrypted at rest), erasure on request and after
 * retention. Exports `BookingsService`, which the planner and the worker use to read a trip
 * whole and to hear of its changes.
 */
@Module({
  imports: [DatabaseModule, RegisterModule, MetricsModule],
  controllers: [BookingsController],
  providers: [
    {
      provide: BookingCipher,
      inject: [APP_CONFIG],
      useFactory: async (config: AppConfig): Promise<BookingCipher> => {
        const master = await resolveMasterKey(config);
        if (master.origin !== 'environment') {
          new Logger('Bookings').warn(
            `PASSERELLE_DATA_KEY is not set: bookings are encrypted with the development key in ${DEV_DATA_KEY_FILE} (${master.origin === 'dev-file-created' ? 'generated now' : 'reused'}); set PASSERELLE_DATA_KEY outside development`,
          );
        }
        return new BookingCipher(
          master.key,
          config.previousDataKeys.map((key) => Buffer.from(key, 'base64')),
        );
      },
    },
    {
      provide: BookingsRepository,
      inject: [DATABASE],
      useFactory: (db: Db) => new BookingsRepository(db),
    },
    {
      provide: BookingsService,
      inject: [BookingsRepository, BookingCipher, RegisterService, APP_CONFIG, MetricsService],
      useFactory: (
        repository: BookingsRepository,
        cipher: BookingCipher,
        register: RegisterService,
        config: AppConfig,
        metrics: MetricsService,
      ) => {
        const alerts = metrics.counter({
          name: 'passerelle_subject_rights_alerts_total',
          help: 'Data subjects’ rights raised to the DPO, by kind (erasure-to-notify: an erasure whose data had reached recipients, to be told of it under GDPR Art. 19)',
          labelNames: ['kind'],
        });
        return new BookingsService(repository, cipher, register, {
          retentionDays: config.bookingRetentionDays,
          onErasureToNotify: () => {
            alerts.inc({ kind: 'erasure-to-notify' });
          },
        });
      },
    },
    BookingRetention,
    PolicyIndexer,
  ],
  exports: [BookingsService, BookingCipher],
})
export class BookingsModule {}
