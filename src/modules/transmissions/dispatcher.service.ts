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
import { opened } from '../shared/open-components.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { outsideRequest } from '../logging/request-context.js';
import { settlesWithin, workerGraceMs } from '../shared/close-worker.js';
import { DueListener } from './due-listener.js';
import { OpsAlerts } from './ops-alerts.js';
import { PlanAtStartStopped, PlannerService } from './planner.service.js';
import { TRIP_SOURCE, type TripSource } from './trip-source.js';
import { TransmissionsRepository, type InFlight } from './transmissions.repository.js';

export const TRANSMISSIONS_QUEUE = 'transmissions';

/**
 * What a job carries: ids only — no personal value ever rests in Redis. The transmissions of
 * one trip that fell due together (a job added before jobs carried several: one), and the
 * trip's id (a job added before jobs named it: none).
 */
export type SendJob =
  | { readonly transmissionIds: readonly string[]; readonly tripId?: string }
  | { readonly transmissionId: string };

/** The transmissions a job names. */
export const transmissionIdsOf = (data: SendJob): readonly string[] =>
  'transmissionIds' in data ? data.transmissionIds : [data.transmissionId];

/**
 * The trip whose transmissions a job names, when the job says (jobs queued before it did
 * name none): the worker loads it while it leases them, instead of after.
 */
export const tripIdOf = (data: SendJob): string | undefined =>
  'tripId' in data && typeof data.tripId === 'string' ? data.tripId : undefined;

/** Retries when a contract does not say: exponential backoff, then a final failure. */
export const DEFAULT_MAX_ATTEMPTS = 5;

/**
 * The most transmissions one round claims. A round that claims this many runs again at
 * once: a backlog (many trips falling due together, a worker back after a pause) drains at
 * the pace of the queue, not of the dispatch interval (500 per 5 s by default).
 */
const CLAIM_BATCH = 500;

/** The least time between two reconciliations of the queue with the plan. */
const RECONCILE_EVERY_MS = 1000;

/** The states of a job that is still to run (or running): its transmission needs nothing more. */
const LIVE_JOB_STATES: JobType[] = ['active', 'wait', 'delayed', 'prioritized', 'waiting-children'];

/**
 * Moves the plan into the queue. Long delays do not live in Redis: transmissions wait in
 * PostgreSQL until they fall due, then the dispatcher claims them (`queued`) and adds a job
 * per trip for those of the trip claimed together, with a deterministic id (its first
 * transmission's `<id>.<generation>`, written in each row). It also reconciles: any queued
 * (or abandoned) transmission whose job is missing — Redis flushed, a crash between claim
 * and add — is queued again, on a job of its own (`<id>.<generation>`); Redis may lose
 * everything without losing a transmission.
 */
@Injectable()
export class DispatcherService implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger('Dispatcher');
  private timer: NodeJS.Timeout | undefined;
  private running = false;
  /** Another round was asked for while one ran: it runs as soon as that one ends. */
  private again = false;
  private stopped = false;
  private listener: DueListener | undefined;
  /** The round running, if any: a shutdown lets it end. */
  private round: Promise<unknown> | undefined;
  /** Called once the dispatcher has stopped (see `opened`). */
  private closed: (() => void) | undefined;
  private reconciledAt = Number.NEGATIVE_INFINITY;
  /** When the round running started (`performance.now()`). */
  private roundStartedAt = 0;
  /** The search for missed sends made while a round is held up, if one runs. */
  private sweep: Promise<void> | undefined;
  /** The round held up was said to be so (once per round). */
  private heldUpSaid = false;

  constructor(
    @InjectQueue(TRANSMISSIONS_QUEUE) private readonly queue: Queue<SendJob>,
    private readonly repository: TransmissionsRepository,
    private readonly planner: PlannerService,
    private readonly alerts: OpsAlerts,
    @Inject(TRIP_SOURCE) private readonly trips: TripSource,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    // Its connection's errors: each call fails and is handled where it is made (the rows stay
    // queued for the reconciler); without a listener BullMQ prints the error whole on
    // standard error.
    queue.on('error', () => undefined);
  }

  onApplicationBootstrap(): void {
    // Every change of a trip re-plans it; api processes plan too (they take the change).
    this.trips.onTripChanged(async (tripId) => {
      await this.planner.replan(tripId);
      this.tickSoon();
    });
    if (this.config.role === 'api') return;
    this.closed = opened('dispatcher');
    this.timer = setInterval(() => void this.tick(), this.config.dispatchIntervalMs);
    this.timer.unref();
    // What falls due at once (a confirmed booking's sends, an operator's send-now, from any
    // process) is announced by PostgreSQL: claimed now, not at the next tick.
    this.listener = new DueListener(
      this.config.databaseUrl,
      () => {
        this.tickSoon();
      },
      () => {
        this.logger.warn(
          'lost the connection announcing due transmissions; listening again in 1 s',
        );
      },
      1000,
      (tripId) => {
        // Delivered while its data changed: the plan of the new data (a resend, if it needs one).
        this.replanStale(() => Promise.resolve([tripId]));
      },
      (deafSince) => {
        // What was announced while nobody here listened: found again by its condition (a
        // minute's margin, for announcements still in flight when the connection went).
        this.replanStale(() =>
          this.repository.tripsDeliveredStaleSince(new Date(deafSince.getTime() - 60_000)),
        );
      },
    );
    this.listener.start();
    // At start: the plan against the current contracts, then the queue against the plan (no
    // round claims before: see `runRound`).
    void this.planner
      .planAtStart()
      .catch((error: unknown) => {
        // The database away at start is tried again by the planner, until the plan has run
        // (nothing is claimed meanwhile); this is an error of another kind.
        this.logger.error(
          `planning every trip at start failed: ${error instanceof Error ? error.name : 'error'}`,
        );
      })
      .then(() => {
        if (!this.stopped) void this.tick();
      });
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    // A round waiting for the plan at start is let go at once, not at the grace's end.
    this.planner.stopPlanningAtStart();
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.listener?.stop();
    // A round under way ends before the database pool closes; one waiting on a Redis away is
    // left at the workers' grace (what it claimed, the reconciliation queues again).
    if (this.round !== undefined) {
      await settlesWithin(this.round, workerGraceMs(this.config.shutdownTimeoutMs));
    }
    if (this.sweep !== undefined) {
      await settlesWithin(this.sweep, workerGraceMs(this.config.shutdownTimeoutMs));
    }
    this.closed?.();
  }

  /** Whether this dispatcher hears PostgreSQL announce transmissions falling due. */
  get listening(): boolean {
    return this.listener?.listening ?? false;
  }

  /** A round as soon as possible: now, or right after the one running. */
  /**
   * Plans again the trips whose delivered data was not their current data, one after the
   * other (the resend of the new data, if it needs one), then claims what fell due.
   */
  private replanStale(trips: () => Promise<readonly string[]>): void {
    trips()
      .then(async (tripIds) => {
        for (const tripId of tripIds) await this.planner.replan(tripId);
        if (tripIds.length > 0) this.tickSoon();
      })
      .catch((error: unknown) => {
        this.logger.error(
          `planning a trip failed: ${error instanceof Error ? error.name : 'error'}`,
        );
      });
  }

  private tickSoon(): void {
    if (this.config.role === 'api' || this.stopped) return;
    if (this.running) this.again = true;
    // Called from a request (a trip's change): the round is the dispatcher's, not the request's.
    else outsideRequest(() => void this.tick());
  }

  /** One round: miss what is past its last moment, queue what fell due, repair the queue. */
  tick(now?: Date): Promise<{ missed: number; queued: number; requeued: number }> {
    if (this.running) {
      this.sweepMissedBehindRound(now);
      return Promise.resolve({ missed: 0, queued: 0, requeued: 0 });
    }
    this.roundStartedAt = performance.now();
    this.heldUpSaid = false;
    const round = this.runRound(now);
    this.round = round;
    return round;
  }

  /**
   * A round held up for longer than the interval — its Redis calls waiting on a Redis away,
   * which ioredis retries for minutes, or for ever on a Redis that hangs — holds up no missed
   * send: those past their last moment are still marked and raised every interval (one
   * search at a time; PostgreSQL alone), and the hold-up is said once (`warn`).
   */
  private sweepMissedBehindRound(given: Date | undefined): void {
    if (this.sweep !== undefined || this.stopped) return;
    const heldMs = performance.now() - this.roundStartedAt;
    if (heldMs < this.config.dispatchIntervalMs) return;
    if (!this.heldUpSaid) {
      this.heldUpSaid = true;
      this.logger.warn({
        msg: 'dispatch round held up: nothing is queued until it ends (is Redis answering?)',
        heldSeconds: Math.round(heldMs / 1000),
      });
    }
    this.sweep = (async () => {
      await this.planner.whenPlannedAtStart();
      const missed = await this.repository.markMissed(given ?? new Date());
      for (const transmission of missed) this.alerts.raise('missed', transmission);
    })()
      .catch((error: unknown) => {
        if (error instanceof PlanAtStartStopped) return;
        this.logger.error(
          `search for missed transmissions failed: ${error instanceof Error ? error.name : 'error'}`,
        );
      })
      .finally(() => {
        this.sweep = undefined;
      });
  }

  private async runRound(
    given: Date | undefined,
  ): Promise<{ missed: number; queued: number; requeued: number }> {
    this.running = true;
    let full = false;
    try {
      // Nothing is missed or claimed by the rows of contracts since edited (a send moved
      // later, a last moment moved): the plan at start makes them follow the versions loaded.
      await this.planner.whenPlannedAtStart();
      const now = given ?? new Date();
      const missed = await this.repository.markMissed(now);
      for (const transmission of missed) this.alerts.raise('missed', transmission);
      const due = await this.repository.claimDue(now, CLAIM_BATCH);
      await this.enqueue(due);
      full = due.length === CLAIM_BATCH;
      // The repair runs at most once a second, however short the dispatch interval: it reads
      // every queued transmission and every live job id, and a backlog made it the costliest
      // part of each round.
      let requeued = 0;
      if (performance.now() - this.reconciledAt >= RECONCILE_EVERY_MS) {
        this.reconciledAt = performance.now();
        requeued = await this.reconcile(now);
      }
      return { missed: missed.length, queued: due.length, requeued };
    } catch (error) {
      // Stopped before the plan at start had run: nothing to dispatch, nothing failed.
      if (!(error instanceof PlanAtStartStopped))
        this.logger.error(`dispatch failed: ${error instanceof Error ? error.name : 'error'}`);
      return { missed: 0, queued: 0, requeued: 0 };
    } finally {
      this.running = false;
      // A full claim leaves more due behind it; an announcement heard meanwhile, more too.
      if ((full || this.again) && !this.stopped && this.config.role !== 'api') {
        this.again = false;
        setImmediate(() => void this.tick());
      }
    }
  }

  private maxAttempts(contractId: string): number {
    return (
      this.catalog.contracts.get(contractId)?.contract.transport.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    );
  }

  /**
   * One job per job id, naming its transmissions and their trip (ids only), retried as its
   * contracts say.
   */
  private async enqueue(transmissions: readonly InFlight[]): Promise<void> {
    if (transmissions.length === 0) return;
    const jobs = new Map<string, { ids: string[]; tripId: string; attempts: number }>();
    for (const transmission of transmissions) {
      const job = jobs.get(transmission.jobId) ?? {
        ids: [],
        tripId: transmission.tripId,
        attempts: 1,
      };
      job.ids.push(transmission.id);
      // Enough runs of the job for the most patient contract; each transmission's last
      // attempt is decided by its own contract (TransmissionSender).
      job.attempts = Math.max(job.attempts, this.maxAttempts(transmission.contractId));
      jobs.set(transmission.jobId, job);
    }
    await this.queue.addBulk(
      [...jobs].map(([jobId, job]) => ({
        name: 'send',
        data: { transmissionIds: job.ids, tripId: job.tripId },
        opts: {
          jobId,
          attempts: job.attempts,
          backoff: { type: 'exponential', delay: this.config.retryBaseMs },
          removeOnComplete: true,
          removeOnFail: { count: 1000 },
        },
      })),
    );
  }

  /**
   * Queued (or abandoned) transmissions without a live job get one again: each a job of its
   * own, so that a transmission's lost job never brings back others that are being sent.
   */
  async reconcile(now: Date): Promise<number> {
    const inFlight = await this.repository.inFlight(now);
    if (inFlight.length === 0) return 0;
    // The ids of every live job in one round trip (one script: an atomic snapshot), rather
    // than two per transmission on every tick: a backlog of queued transmissions made each
    // tick cost twice its size in Redis calls. Only the others are looked at one by one.
    const live = new Set(await this.queue.getRanges(LIVE_JOB_STATES, 0, -1));
    const lost = new Set<string>();
    const looked = new Map<string, boolean>();
    for (const transmission of inFlight) {
      if (live.has(transmission.jobId)) continue;
      let missing = looked.get(transmission.jobId);
      if (missing === undefined) {
        const job = await this.queue.getJob(transmission.jobId);
        missing = job === undefined;
        if (job !== undefined) {
          const state = await job.getState();
          if (state === 'failed' || state === 'completed') {
            await job.remove();
            missing = true;
          }
        }
        looked.set(transmission.jobId, missing);
      }
      if (missing) lost.add(transmission.id);
    }
    const moved = await this.repository.assignOwnJobs([...lost]);
    await this.enqueue(moved);
    return moved.length;
  }
}
