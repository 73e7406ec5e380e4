import { setTimeout as delay } from 'node:timers/promises';
import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Counter } from 'prom-client';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { EmergencyRepository, type AlertCursor } from './emergency.repository.js';
import { EMERGENCY_REDIS } from './emergency.tokens.js';
import { SlidingWindowCounter } from './rate-limiter.js';

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
 * How long an answer waits for the alert queue. BullMQ's `add` waits while Redis is away
 * (minutes, then fails); a medical emergency does not wait on an alert.
 */
export const ALERT_QUEUE_WAIT_MS = 1000;

/**
 * How often the kept alerts (those the webhook has not accepted yet) are offered to the
 * queue again.
 */
export const ALERT_DRAIN_INTERVAL_MS = 2000;

/** Requests whose kept alerts one round offers to the queue. */
const ALERT_DRAIN_BATCH = 20;

type Queueing = 'queued' | 'failed' | 'pending';

/**
 * Raises emergency releases and repeated refusals to operations and the DPO: a structured
 * log event, a metric, and — when `PASSERELLE_ALERT_WEBHOOK_URL` is set — a webhook
 * notification queued in BullMQ (ids only), so that a webhook down does not lose it.
 *
 * The log event and the metric are immediate. The webhook's alert is an outbox: kept in
 * PostgreSQL with its request first (`emergency_requests.alerts_pending`, ids only — a
 * release's in the statement that records it, `keptWith`), then
 * queued — `ALERT_QUEUE_WAIT_MS` at most, Redis may be away — and removed by the worker once
 * the webhook accepted it, or gave up (`AlertWebhookProcessor`). Every process offers the
 * kept alerts to the queue again every `ALERT_DRAIN_INTERVAL_MS`, under their job ids:
 * BullMQ ignores an add whose job is still in Redis (waiting, delayed, active or failed), so
 * only an alert Redis did not take, or lost, is queued again — restarts included.
 */
@Injectable()
export class EmergencyAlerts implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Emergency');
  private readonly raised: Counter<'event' | 'insurer'>;
  private timer: NodeJS.Timeout | undefined;
  private draining: Promise<void> | undefined;
  private drainWarnedAt = Number.NEGATIVE_INFINITY;
  /** Where the next drain round starts: the kept alerts are offered a batch at a time. */
  private drainAfter: AlertCursor | undefined;
  /** Refusals by client over the sliding window (Redis, or this process while it is away). */
  private readonly refusals: SlidingWindowCounter;

  constructor(
    metrics: MetricsService,
    @InjectQueue(ALERTS_QUEUE) private readonly queue: Queue<AlertEvent>,
    @Inject(EMERGENCY_REDIS) redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: EmergencyRepository,
  ) {
    // Its connection's errors: each call fails and is handled where it is made (the alert
    // kept in PostgreSQL); without a listener BullMQ prints the error whole on standard error.
    queue.on('error', () => undefined);
    this.refusals = new SlidingWindowCounter(
      redis,
      `${config.queuePrefix}:emergency:refusals`,
      config.emergencyRefusalAlert.threshold,
      config.emergencyRefusalAlert.windowMs,
    );
    this.raised = metrics.counter({
      name: 'passerelle_emergency_alerts_total',
      help: 'Emergency events raised to operations and the DPO (releases, repeated refusals), by insurer',
      labelNames: ['event', 'insurer'],
    });
  }

  onApplicationBootstrap(): void {
    if (this.config.alertWebhookUrl === undefined) return;
    this.timer = setInterval(() => {
      this.draining ??= this.drain().finally(() => {
        this.draining = undefined;
      });
    }, ALERT_DRAIN_INTERVAL_MS);
    this.timer.unref();
  }

  async onModuleDestroy(): Promise<void> {
    clearInterval(this.timer);
    await this.draining;
  }

  /**
   * What keeps `alert` with its request (`emergency_requests.alerts_pending`) when the row is
   * written in the statement that records the request: null when no webhook is configured
   * (nothing to keep). Raised afterwards with `{ kept: true }`: the alert is then committed
   * with the release itself — no moment after the register entry when a crash, or a failed
   * second statement, loses the webhook's alert.
   */
  keptWith(alert: AlertEvent | undefined): Record<string, AlertEvent> | null {
    if (this.config.alertWebhookUrl === undefined || alert === undefined) return null;
    return { [alert.event]: alert };
  }

  /**
   * Raises one event; never throws, and waits for the queue `ALERT_QUEUE_WAIT_MS` at most
   * (the release stands; an alert the queue did not take is queued by the drain). `kept`:
   * its request's row was written with it (`keptWith`), so it is not kept again.
   */
  async raise(alert: AlertEvent, options: { readonly kept?: boolean } = {}): Promise<void> {
    this.raised.inc({ event: alert.event, insurer: alert.insurerId });
    // `emergencyRequestId`: in the logs, `requestId` is the HTTP request's (X-Request-Id).
    this.logger.warn({
      msg: 'emergency alert',
      event: alert.event,
      occurredAt: alert.occurredAt,
      clientId: alert.clientId,
      insurerId: alert.insurerId,
      emergencyRequestId: alert.requestId,
      registerEntryId: alert.registerEntryId,
      tripId: alert.tripId,
      refusals: alert.refusals,
      windowSeconds: alert.windowSeconds,
    });
    if (this.config.alertWebhookUrl === undefined) return;
    // Kept before it is queued: the drain queues it again should Redis lose it.
    const kept =
      options.kept === true ||
      (await this.repository.keepAlert(alert.requestId, alert.event, alert).catch(() => false));
    // Queued at once all the same; an add still pending when the wait ends may yet land when
    // Redis is back, under the same job id as the drain's (BullMQ keeps the first).
    const queueing = await this.enqueue(alert);
    if (kept && queueing === 'queued') return;
    this.logger.error({
      msg: !kept
        ? queueing === 'queued'
          ? 'emergency alert queued for the webhook but not kept: lost if Redis loses it'
          : 'emergency alert not queued for the webhook, and could not be kept'
        : 'emergency alert not queued for the webhook: kept, queued when Redis is back',
      event: alert.event,
      emergencyRequestId: alert.requestId,
      registerEntryId: alert.registerEntryId,
      queue: queueing,
    });
  }

  /**
   * Puts the alert on the queue, or says it could not within `ALERT_QUEUE_WAIT_MS`: at once
   * when the queue's connection is not up (BullMQ would hold the command until it is).
   */
  private async enqueue(alert: AlertEvent): Promise<Queueing> {
    const attempt = (async (): Promise<Queueing> => {
      const client = await this.queue.getBackend().client;
      if (client.status !== 'ready') return 'failed';
      await this.queue.add(alert.event, alert, {
        ...alertJobOptions(this.config.retryBaseMs),
        jobId: `${alert.event}.${alert.requestId}`,
      });
      return 'queued';
    })().catch((): Queueing => 'failed');
    return Promise.race([attempt, delay(ALERT_QUEUE_WAIT_MS, 'pending' as const, { ref: false })]);
  }

  /**
   * One round: a batch of kept alerts offered to the queue, oldest first, while it takes
   * them; the next round goes on after it, and from the oldest again once all were offered.
   * Those whose jobs are still in Redis are ignored by BullMQ, so no log says how many.
   */
  private async drain(): Promise<void> {
    try {
      this.drainAfter = await this.repository.offerAlerts(
        ALERT_DRAIN_BATCH,
        this.drainAfter,
        async (alerts) => {
          for (const alert of alerts as AlertEvent[]) {
            if ((await this.enqueue(alert)) !== 'queued') return false;
          }
          return true;
        },
      );
    } catch (error) {
      // Once a minute at most: the next round tries again.
      if (Date.now() - this.drainWarnedAt < 60_000) return;
      this.drainWarnedAt = Date.now();
      this.logger.warn({
        msg: 'kept emergency alerts not drained',
        error: error instanceof Error ? error.name : 'error',
      });
    }
  }

  /**
   * Counts a refusal for the client over a sliding window (`SlidingWindowCounter`: in Redis,
   * across processes, one script call; in this process while Redis is away or slow) and
   * raises at the `threshold`-th refusal within any `windowMs`, then at each `threshold`
   * more within the window. `refusals` says how many the window holds.
   */
  async refused(
    alert: Omit<AlertEvent, 'event' | 'refusals' | 'windowSeconds' | 'tripId'>,
  ): Promise<void> {
    const counted = await this.refusals.add(alert.clientId);
    if (counted.store === 'memory') {
      // Counted by this process alone meanwhile (the same threshold and window), so that
      // guessing policy numbers while Redis is away is still raised.
      this.logger.error({
        msg: 'emergency refusals counted by this process only: Redis unavailable',
        clientId: alert.clientId,
      });
    }
    if (counted.raise) {
      await this.raise({
        ...alert,
        event: 'emergency-refusals-repeated',
        refusals: counted.count,
        windowSeconds: Math.round(this.config.emergencyRefusalAlert.windowMs / 1000),
      });
    }
  }
}
