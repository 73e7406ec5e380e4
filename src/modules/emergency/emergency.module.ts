import { BullModule } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  Module,
  type DynamicModule,
  type OnModuleDestroy,
} from '@nestjs/common';
import { Redis } from 'ioredis';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Db } from '../../database/database.js';
import { DATABASE, DatabaseModule } from '../../database/database.module.js';
import { BookingsModule } from '../bookings/bookings.module.js';
import { ContractsModule } from '../contracts/contracts.module.js';
import { MetricsModule } from '../metrics/metrics.module.js';
import { RegisterModule } from '../register/register.module.js';
import { redisOptionsFromUrl } from '../transmissions/redis-options.js';
import { AlertWebhookProcessor } from './alert-webhook.processor.js';
import { ALERTS_QUEUE, EmergencyAlerts } from './emergency-alerts.js';
import { EmergencyController } from './emergency.controller.js';
import { EmergencyRepository } from './emergency.repository.js';
import { EmergencyService } from './emergency.service.js';
import { EMERGENCY_LIMITER, EMERGENCY_REDIS } from './emergency.tokens.js';
import { SlidingWindowLimiter } from './rate-limiter.js';

/**
 * How long a command of the module's Redis connection (the rate limit, the refusal count)
 * may wait for its answer. Without it, a Redis that accepts but does not answer (stopped,
 * a network that drops packets) held every emergency request until the connection broke;
 * past it, the limiter counts in the process, as when Redis is away.
 */
export const EMERGENCY_REDIS_TIMEOUT_MS = 500;

/** Closes the module's Redis connection with the app. */
@Injectable()
class EmergencyRedisCloser implements OnModuleDestroy {
  constructor(@Inject(EMERGENCY_REDIS) private readonly redis: Redis) {}

  onModuleDestroy(): void {
    this.redis.disconnect();
  }
}

/**
 * The emergency release to insurers: the endpoint (every role serving HTTP), its rate limit
 * and refusal counts in Redis, and the alert webhook's worker (roles `worker` and `all`).
 */
@Module({})
export class EmergencyModule {
  static register(config: AppConfig): DynamicModule {
    return {
      module: EmergencyModule,
      imports: [
        BullModule.registerQueue({ name: ALERTS_QUEUE, streams: { events: { maxLen: 1000 } } }),
        DatabaseModule,
        BookingsModule,
        RegisterModule,
        ContractsModule,
        MetricsModule,
      ],
      controllers: [EmergencyController],
      providers: [
        {
          provide: EMERGENCY_REDIS,
          inject: [APP_CONFIG],
          // Commands fail at once while Redis is away (no offline queue), and after
          // EMERGENCY_REDIS_TIMEOUT_MS while it does not answer: the limiter then counts in
          // the process rather than holding an emergency request.
          useFactory: (appConfig: AppConfig) => {
            const redis = new Redis({
              ...redisOptionsFromUrl(appConfig.redisUrl),
              enableOfflineQueue: false,
              maxRetriesPerRequest: 1,
              connectTimeout: 2000,
              commandTimeout: EMERGENCY_REDIS_TIMEOUT_MS,
              // The limiter's calls of requests arriving together leave in one write: under
              // load each was a socket write of its own, a tenth of a release's time.
              enableAutoPipelining: true,
            });
            // Its failures come back through the limiter's calls, which say Redis is away
            // (a warn line, the error's class only); without a listener ioredis prints each
            // connection error whole on standard error, outside the JSON log.
            redis.on('error', () => undefined);
            return redis;
          },
        },
        EmergencyRedisCloser,
        {
          provide: EMERGENCY_LIMITER,
          inject: [EMERGENCY_REDIS, APP_CONFIG],
          useFactory: (redis: Redis, appConfig: AppConfig) => {
            const logger = new Logger('Emergency');
            let warnedAt = Number.NEGATIVE_INFINITY;
            return new SlidingWindowLimiter(
              redis,
              `${appConfig.queuePrefix}:emergency:rate`,
              appConfig.emergencyRateLimit.limit,
              appConfig.emergencyRateLimit.windowMs,
              Date.now,
              (error) => {
                // Once a minute at most: the limit holds per process until Redis is back.
                if (Date.now() - warnedAt < 60_000) return;
                warnedAt = Date.now();
                logger.warn({
                  msg: 'emergency rate limit counted in this process only: Redis unavailable',
                  error: error instanceof Error ? error.name : 'error',
                });
              },
            );
          },
        },
        {
          provide: EmergencyRepository,
          inject: [DATABASE],
          useFactory: (db: Db) => new EmergencyRepository(db),
        },
        EmergencyAlerts,
        EmergencyService,
        ...(config.role === 'api' ? [] : [AlertWebhookProcessor]),
      ],
    };
  }
}
