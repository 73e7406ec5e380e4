import { OnWorkerEvent, Processor } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, type Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { Counter } from 'prom-client';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { BoundedWorkerHost } from '../shared/close-worker.js';
import {
  TRANSMISSIONS_QUEUE,
  transmissionIdsOf,
  tripIdOf,
  type SendJob,
} from './dispatcher.service.js';
import { PlannerService } from './planner.service.js';
import { TransmissionSender } from './transmission-sender.js';

/** A transient failure BullMQ retries with its backoff; it carries a code only. */
export class RetryLater extends Error {
  constructor(readonly code: string) {
    super(`transient failure: ${code}`);
    this.name = 'RetryLater';
  }
}

/**
 * The BullMQ worker (roles `worker` and `all`): each job names the transmissions of one trip
 * that fell due together. Retries come from the job's options (attempts, exponential
 * backoff, from the contracts); a retry sends again only those not yet done (the others
 * are skipped by their state). Whether an attempt is a transmission's last is its own
 * (its attempts against its contract's maximum): its failure is then final and raised once.
 */
@Injectable()
export class TransmissionProcessor extends BoundedWorkerHost {
  private readonly logger = new Logger('TransmissionWorker');
  private readonly stalled: Counter;

  constructor(
    private readonly sender: TransmissionSender,
    private readonly planner: PlannerService,
    @Inject(APP_CONFIG) config: AppConfig,
    metrics: MetricsService,
  ) {
    super('transmission worker', config.shutdownTimeoutMs);
    this.stalled = metrics.counter({
      name: 'passerelle_queue_stalled_jobs_total',
      help: 'Jobs this worker found stalled (their worker died or hung past its lock) and took back',
    });
  }

  /**
   * A job whose worker stopped renewing its lock (killed, or its event loop blocked): BullMQ
   * runs it again; the transmissions' leases keep it from being sent twice. Counted, and one
   * line with the job id (ids of transmissions only).
   */
  @OnWorkerEvent('stalled')
  onStalled(jobId: string): void {
    this.stalled.inc();
    this.logger.warn({ msg: 'queue job stalled', jobId });
  }

  /**
   * The queue's own errors (Redis gone, a lock lost after a flush): the lease and the
   * dispatcher's reconciliation recover; one line, the error's class only.
   */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`queue worker error: ${error.name}`);
  }

  /** A job waiting for the plan at start is refused at once (it is queued again), not sent. */
  override async onModuleDestroy(): Promise<void> {
    this.planner.stopPlanningAtStart();
    await super.onModuleDestroy();
  }

  process(job: Job<SendJob>): Promise<string> {
    return this.track(this.send(job));
  }

  private async send(job: Job<SendJob>): Promise<string> {
    // A job queued before this process started may be of a send an edited contract has moved
    // later (or whose last moment came earlier): it waits for the plan at start to say so.
    await this.planner.whenPlannedAtStart();
    const sent = await this.sender.send(transmissionIdsOf(job.data), tripIdOf(job.data));
    const outcomes = [...sent.values()];
    if (outcomes.includes('retry')) throw new RetryLater('DELIVERY_FAILED');
    // What the job did, in counts (no id, no value): `delivered 8, cancelled 1`.
    const counts = new Map<string, number>();
    for (const outcome of outcomes) counts.set(outcome, (counts.get(outcome) ?? 0) + 1);
    return [...counts].map(([outcome, count]) => `${outcome} ${count}`).join(', ');
  }
}

/**
 * The processor with this process's worker options (concurrency, and a lock no longer than
 * the send lease, so that a dead worker's job is picked up again in time): @nestjs/bullmq
 * reads them from the class decorator, so the class is decorated here, from configuration.
 */
export function configuredProcessor(config: AppConfig): Type<TransmissionProcessor> {
  class ConfiguredTransmissionProcessor extends TransmissionProcessor {}
  const lockDuration = Math.min(30_000, config.sendLeaseMs);
  Processor(TRANSMISSIONS_QUEUE, {
    concurrency: config.workerConcurrency,
    lockDuration,
    stalledInterval: lockDuration,
  })(ConfiguredTransmissionProcessor);
  return ConfiguredTransmissionProcessor;
}
