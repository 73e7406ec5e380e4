import { createHmac } from 'node:crypto';
import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Job } from 'bullmq';
import { request } from 'undici';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { BoundedWorkerHost } from '../shared/close-worker.js';
import { ALERTS_QUEUE, type AlertEvent } from './emergency-alerts.js';
import { EmergencyRepository } from './emergency.repository.js';

const TIMEOUT_MS = 10_000;

/** A webhook that did not take the alert; BullMQ retries it with its backoff. */
export class WebhookRefused extends Error {
  constructor(readonly status: number) {
    super(`alert webhook answered ${status}`);
    this.name = 'WebhookRefused';
  }
}

/**
 * `Passerelle-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">` (the scheme
 * of Stripe and Standard Webhooks). The time is signed with the body so that a receiver can
 * refuse an old request: a captured one cannot be replayed past its tolerance (5 minutes, as
 * the README tells receivers).
 */
export function alertSignature(secret: string, body: string, unixSeconds: number): string {
  const digest = createHmac('sha256', secret).update(`${unixSeconds}.${body}`).digest('hex');
  return `t=${unixSeconds},v1=${digest}`;
}

/**
 * Delivers queued alerts to `PASSERELLE_ALERT_WEBHOOK_URL` (roles `worker` and `all`): a
 * JSON POST of the alert, signed when a secret is set (`alertSignature`, at each attempt:
 * a retry days later carries the time it was sent), with an `Idempotency-Key` so a retried
 * alert can be recognized. Anything but 2xx is retried.
 *
 * The alert kept with its request (`EmergencyAlerts`) is removed once the webhook accepted
 * it, and once it gave up: that is an error in the log, and the job stays among BullMQ's
 * failed jobs for operations, rather than an alert offered to the queue for ever.
 */
@Injectable()
@Processor(ALERTS_QUEUE, { concurrency: 4 })
export class AlertWebhookProcessor extends BoundedWorkerHost {
  private readonly logger = new Logger('Emergency');

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repository: EmergencyRepository,
  ) {
    super('alert worker', config.shutdownTimeoutMs);
  }

  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`alert queue error: ${error.name}`);
  }

  @OnWorkerEvent('failed')
  onFailed(job: Job<AlertEvent> | undefined, error: Error): void {
    if (job === undefined || job.attemptsMade < (job.opts.attempts ?? 1)) return;
    this.logger.error({
      msg: 'alert webhook gave up',
      event: job.data.event,
      emergencyRequestId: job.data.requestId,
      error: error.name,
    });
    void this.drop(job.data);
  }

  process(job: Job<AlertEvent>): Promise<number> {
    return this.track(
      this.deliver(job).then(async (status) => {
        // While the job is still active: a drain round offering it meanwhile is ignored.
        await this.drop(job.data);
        return status;
      }),
    );
  }

  /**
   * The kept alert removed. Should that fail, the drain queues it again once its job is
   * gone: the webhook is called again, with the same Idempotency-Key.
   */
  private async drop(alert: AlertEvent): Promise<void> {
    try {
      await this.repository.dropAlert(alert.requestId, alert.event);
    } catch (error) {
      this.logger.warn({
        msg: 'delivered emergency alert still kept: it will be sent again',
        event: alert.event,
        emergencyRequestId: alert.requestId,
        error: error instanceof Error ? error.name : 'error',
      });
    }
  }

  private async deliver(job: Job<AlertEvent>): Promise<number> {
    const url = this.config.alertWebhookUrl;
    if (url === undefined) return 0;
    const body = JSON.stringify(job.data);
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'idempotency-key': job.id ?? job.data.requestId,
    };
    if (this.config.alertWebhookSecret !== undefined) {
      headers['passerelle-signature'] = alertSignature(
        this.config.alertWebhookSecret,
        body,
        Math.floor(Date.now() / 1000),
      );
    }
    const response = await request(url, {
      method: 'POST',
      body,
      headers,
      headersTimeout: TIMEOUT_MS,
      bodyTimeout: TIMEOUT_MS,
    });
    await response.body.dump();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      throw new WebhookRefused(response.statusCode);
    }
    return response.statusCode;
  }
}
