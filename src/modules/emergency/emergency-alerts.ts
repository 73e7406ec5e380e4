import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EMERGENCY_REDIS } from './emergency.tokens.js';

export const ALERTS_QUEUE = 'alerts';

/**
 * What an alert says — ids, codes and counts; never a participant id, a policy number or
 * anything the agent wrote. The DPO follows `registerEntryId` into the register.
 */
export interface AlertEvent {
  readonly event:
    | 'emergency-released'
    | 'emergency-refusals-repeated'
    /** A legitimate request the participant's data could not answer: operations complete it. */
    | 'emergency-data-incomplete';
  readonly occurredAt: string;
  readonly clientId: string;
  readonly insurerId: string;
  readonly requestId: string;
  readonly registerEntryId: string;
  readonly tripId?: string;
  /** For repeated refusals: how many in the window. */
  readonly refusals?: number;
  readonly windowSeconds?: number;
}

/**
 * Webhook delivery: 15 attempts with exponential backoff from `PASSERELLE_RETRY_BASE_MS`
 * (30 s by default: the last retry comes almost six days after the first attempt, so a
 * receiver down for a long weekend loses nothing).
 */
export const alertJobOptions = (retryBaseMs: number) =>
  ({
    attempts: 15,
    backoff: { type: 'exponential', delay: retryBaseMs },
    removeOnComplete: true,
    removeOnFail: 1000,
  }) as const;

/**
 * Raises emergency releases and repeated refusals to operations and the DPO: a structured
 * log event, a metric, and — when `PASSERELLE_ALERT_WEBHOOK_URL` is set — a webhook
 * notification queued in BullMQ (ids only), so that a webhook down does not lose it.
 */
@Injectable()
export class EmergencyAlerts {
  private readonly logger = new Logger('Emergency');
  private readonly raised: Counter<'event' | 'insurer'>;

  constructor(
    metrics: MetricsService,
    @InjectQueue(ALERTS_QUEUE) private readonly queue: Queue<AlertEvent>,
    @Inject(EMERGENCY_REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.raised = metrics.counter({
      name: 'passerelle_emergency_alerts_total',
      help: 'Emergency events raised to operations and the DPO (releases, repeated refusals), by insurer',
      labelNames: ['event', 'insurer'],
    });
  }

  /** Raises one event; never throws (the release stands, the log says if the queue failed). */
  async raise(alert: AlertEvent): Promise<void> {
    this.raised.inc({ event: alert.event, insurer: alert.insurerId });
    this.logger.warn({ msg: 'emergency alert', ...alert });
    if (this.config.alertWebhookUrl === undefined) return;
    try {
      await this.queue.add(alert.event, alert, {
        ...alertJobOptions(this.config.retryBaseMs),
        jobId: `${alert.event}.${alert.requestId}`,
      });
    } catch (error) {
      this.logger.error({
        msg: 'emergency alert not queued for the webhook',
        event: alert.event,
        requestId: alert.requestId,
        error: error instanceof Error ? error.name : 'error',
      });
    }
  }

  /**
   * Counts a refusal for the client (in Redis, across processes, over a fixed window that
   * starts with its first refusal) and raises when the count reaches the threshold, and at
   * every threshold more.
   */
  async refused(
    alert: Omit<AlertEvent, 'event' | 'refusals' | 'windowSeconds' | 'tripId'>,
  ): Promise<void> {
    const { threshold, windowMs } = this.config.emergencyRefusalAlert;
    let count: number;
    try {
      const key = `${this.config.queuePrefix}:emergency:refusals:${alert.clientId}`;
      const results = await this.redis.multi().incr(key).pexpire(key, windowMs, 'NX').exec();
      count = Number(results?.[0]?.[1] ?? 0);
    } catch {
      this.logger.error({ msg: 'emergency refusals not counted: Redis unavailable' });
      return;
    }
    if (count > 0 && count % threshold === 0) {
      await this.raise({
        ...alert,
        event: 'emergency-refusals-repeated',
        refusals: count,
        windowSeconds: Math.round(windowMs / 1000),
      });
    }
  }
}
