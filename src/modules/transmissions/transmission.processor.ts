import { OnWorkerEvent, Processor, WorkerHost } from '@nestjs/bullmq';
import { Injectable, Logger, type Type } from '@nestjs/common';
import type { Job } from 'bullmq';
import type { AppConfig } from '../../config/app-config.js';
import { TRANSMISSIONS_QUEUE, type SendJob } from './dispatcher.service.js';
import { TransmissionSender } from './transmission-sender.js';

/** A transient failure BullMQ retries with its backoff; it carries a code only. */
export class RetryLater extends Error {
  constructor(readonly code: string) {
    super(`transient failure: ${code}`);
    this.name = 'RetryLater';
  }
}

/**
 * The BullMQ worker (roles `worker` and `all`): each job names one transmission. Retries
 * come from the job's options (attempts, exponential backoff, from the contract); the last
 * attempt is told so, and its failure is final and raised once.
 */
@Injectable()
export class TransmissionProcessor extends WorkerHost {
  private readonly logger = new Logger('TransmissionWorker');

  constructor(private readonly sender: TransmissionSender) {
    super();
  }

  /**
   * The queue's own errors (Redis gone, a lock lost after a flush): the lease and the
   * dispatcher's reconciliation recover; one line, the error's class only.
   */
  @OnWorkerEvent('error')
  onWorkerError(error: Error): void {
    this.logger.warn(`queue worker error: ${error.name}`);
  }

  async process(job: Job<SendJob>): Promise<string> {
    const final = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const outcome = await this.sender.send(job.data.transmissionId, final);
    if (outcome === 'retry') throw new RetryLater('DELIVERY_FAILED');
    return outcome;
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
