import { InjectQueue } from '@nestjs/bullmq';
import {
  Inject,
  Injectable,
  Logger,
  type OnApplicationBootstrap,
  type OnModuleDestroy,
} from '@nestjs/common';
import type { JobType, Queue } from 'bullmq';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { OpsAlerts } from './ops-alerts.js';
import { PlannerService } from './planner.service.js';
import { TRIP_SOURCE, type TripSource } from './trip-source.js';
import { TransmissionsRepository, type Transmission } from './transmissions.repository.js';

export const TRANSMISSIONS_QUEUE = 'transmissions';

/** What a job carries: ids only — no personal value ever rests in Redis. */
export interface SendJob {
  readonly transmissionId: string;
}

/** Retries when a contract does not say: exponential backoff, then a final failure. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/** The states of a job that is still to run (or running): its transmission needs nothing more. */
const LIVE_JOB_STATES: JobType[] = ['active', 'wait', 'delayed', 'prioritized', 'waiting-children'];

/** The deterministic job id: the same transmission is never queued twice at once. */
export const jobIdOf = (transmission: Pick<Transmission, 'id' | 'generation'>): string =>
  `${transmission.id}.${transmission.generation}`;

/**
 * Moves the plan into the queue. Long delays do not live in Redis: transmissions wait in
 * PostgreSQL until they fall due, then the dispatcher claims them (`queued`) and adds a job
 * per transmission with a deterministic id. It also reconciles: any queued (or abandoned)
 * transmission whose job is missing — Redis flushed, a crash between claim and add — is
 * queued again; Redis may lose everything without losing a transmission.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Dispatcher');
  private timer: NodeJS.Timeout | undefined;
  private running = false;

  constructor(
    @InjectQueue(TRANSMISSIONS_QUEUE) private readonly queue: Queue<SendJob>,
    private readonly repository: TransmissionsRepository,
    private readonly planner: PlannerService,
    private readonly alerts: OpsAlerts,
    @Inject(TRIP_SOURCE) private readonly trips: TripSource,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    // Every change of a trip re-plans it; api processes plan too (they take the change).
    this.trips.onTripChanged(async (tripId) => {
      await this.planner.replan(tripId);
      this.tickSoon();
    });
    if (this.config.role === 'api') return;
    this.timer = setInterval(() => void this.tick(), this.config.dispatchIntervalMs);
    this.timer.unref();
    // At start: the plan against the current contracts, then the queue against the plan.
    void this.planner.replanAll().then(() => this.tick());
  }

  onModuleDestroy(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private tickSoon(): void {
    if (this.config.role !== 'api') void this.tick();
  }

  /** One round: miss what is past its last moment, queue what fell due, repair the queue. */
  async tick(now = new Date()): Promise<{ missed: number; queued: number; requeued: number }> {
    if (this.running) return { missed: 0, queued: 0, requeued: 0 };
    this.running = true;
    try {
      const missed = await this.repository.markMissed(now);
      for (const transmission of missed) this.alerts.raise('missed', transmission);
      const due = await this.repository.claimDue(now, 500);
      await this.enqueue(due);
      const requeued = await this.reconcile(now);
      return { missed: missed.length, queued: due.length, requeued };
    } catch (error) {
      this.logger.error(`dispatch failed: ${error instanceof Error ? error.name : 'error'}`);
      return { missed: 0, queued: 0, requeued: 0 };
    } finally {
      this.running = false;
    }
  }

  private maxAttempts(contractId: string): number {
    return (
      this.catalog.contracts.get(contractId)?.contract.transport.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    );
  }

  private async enqueue(transmissions: readonly Transmission[]): Promise<void> {
    if (transmissions.length === 0) return;
    await this.queue.addBulk(
      transmissions.map((transmission) => ({
        name: 'send',
        data: { transmissionId: transmission.id },
        opts: {
          jobId: jobIdOf(transmission),
          attempts: this.maxAttempts(transmission.contractId),
          backoff: { type: 'exponential', delay: this.config.retryBaseMs },
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
        },
      })),
    );
  }

  /** Queued (or abandoned) transmissions without a live job get one again. */
  async reconcile(now: Date): Promise<number> {
    const inFlight = await this.repository.inFlight(now);
    if (inFlight.length === 0) return 0;
    // The ids of every live job in one round trip (one script: an atomic snapshot), rather
    // than two per transmission on every tick: a backlog of queued transmissions made each
    // tick cost twice its size in Redis calls. Only the others are looked at one by one.
    const live = new Set(await this.queue.getRanges(LIVE_JOB_STATES, 0, -1));
    const missing: Transmission[] = [];
    for (const transmission of inFlight) {
      if (live.has(jobIdOf(transmission))) continue;
      const job = await this.queue.getJob(jobIdOf(transmission));
      if (job === undefined) {
        missing.push(transmission);
        continue;
      }
      const state = await job.getState();
      if (state === 'failed' || state === 'completed') {
        await job.remove();
        missing.push(transmission);
      }
    }
    await this.enqueue(missing);
    return missing.length;
  }
}
