import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { planTrip } from '../../core/planning/plan-trip.js';
import {
  reconcilePlan,
  type OutdatedReason,
  type PlanChange,
} from '../../core/planning/reconcile-plan.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { TRIP_SOURCE, type TripSource } from './trip-source.js';
import { OpsAlerts } from './ops-alerts.js';
import { TransmissionsRepository } from './transmissions.repository.js';

/** Why the recipient of an outdated delivery is not sent the new data, in the alert's words. */
const OUTDATED_IN_LOG: Readonly<Record<OutdatedReason, string>> = {
  'past-last-moment': 'its data changed past its last moment',
  'resend-never': 'its data changed and its contract never resends',
};

/** How long the plan at start waits before it is tried again, after PostgreSQL failed it. */
export const PLAN_AT_START_RETRY_MS = 1000;

/** Why a send waiting for the plan at start was not sent: the process stopped before it ran. */
export class PlanAtStartStopped extends Error {
  constructor() {
    super('the process stopped before the plan at start had run');
    this.name = 'PlanAtStartStopped';
  }
}

/**
 * Keeps the plan of a trip in step with its data: every (contract × unit × moment) has a
 * transmission with its due time; moved flights move them, gone units cancel them, changed
 * data after a delivery plans a resend (and unchanged data never does).
 */
@Injectable()
export class PlannerService implements OnModuleDestroy {
  private readonly logger = new Logger('Planner');
  /**
   * Resolves once the plan at start has followed the contracts loaded (see `planAtStart`);
   * rejected (`PlanAtStartStopped`) when the process stops before it has.
   */
  private readonly plannedAtStart: Promise<void>;
  private markPlannedAtStart: () => void = () => undefined;
  private refusePlannedAtStart: (error: Error) => void = () => undefined;
  private stopping = false;
  /** Ends the wait before the plan at start is tried again (a shutdown). */
  private wakeRetry: (() => void) | undefined;

  constructor(
    @Inject(TRIP_SOURCE) private readonly trips: TripSource,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    private readonly repository: TransmissionsRepository,
    private readonly alerts: OpsAlerts,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.plannedAtStart = new Promise((resolve, reject) => {
      this.markPlannedAtStart = resolve;
      this.refusePlannedAtStart = reject;
    });
    // Those who wait for it handle the refusal; nobody waiting is no unhandled rejection.
    this.plannedAtStart.catch(() => undefined);
    // An api process plans at each change but neither claims nor sends: nothing to wait for.
    if (config.role === 'api') this.markPlannedAtStart();
  }

  /**
   * The plan at start (roles `worker`, `all`): every trip against the contracts as loaded
   * now, which an operator may have edited since the plan was last made (a moment moved, a
   * last moment earlier, a contract removed). Until it has run, this process claims and sends
   * nothing (`whenPlannedAtStart`): the rows still say what the old versions called for.
   */
  async planAtStart(given?: Date, retryMs = PLAN_AT_START_RETRY_MS): Promise<number> {
    // PostgreSQL not answering it (away, restarting) does not make it done: sends under the
    // versions of before would leave (a moment moved later, a contract removed). It is tried
    // again until it has run, or the process stops.
    for (let failures = 0; !this.stopping; failures += 1) {
      try {
        const planned = await this.replanAll(given ?? new Date());
        this.markPlannedAtStart();
        return planned;
      } catch (error) {
        if (error instanceof PlanAtStartStopped) break;
        if (failures === 0 || failures % 60 === 0) {
          this.logger.error(
            `planning every trip at start failed: ${error instanceof Error ? error.name : 'error'}; nothing is sent until it has run, tried again every ${retryMs} ms`,
          );
        }
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, retryMs);
        this.wakeRetry = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wakeRetry = undefined;
    }
    this.refusePlannedAtStart(new PlanAtStartStopped());
    return 0;
  }

  /**
   * The process stops: the plan at start is no longer tried, and what waits for it (a job
   * queued before the start) is refused rather than sent under the plan of before.
   */
  onModuleDestroy(): void {
    this.stopPlanningAtStart();
  }

  /**
   * As `onModuleDestroy`, for those closed before the planner (Nest closes a service's
   * dependents first: the dispatcher and the worker, which wait on the plan at start).
   */
  stopPlanningAtStart(): void {
    this.stopping = true;
    this.wakeRetry?.();
    this.refusePlannedAtStart(new PlanAtStartStopped());
  }

  /** Resolves once the plan at start has run (at once in an api process). */
  whenPlannedAtStart(): Promise<void> {
    return this.plannedAtStart;
  }

  async replan(tripId: string, now = new Date()): Promise<readonly PlanChange[]> {
    const contracts = [...this.catalog.contracts.values()].map((entry) => entry.contract);
    // Every contract that plans sends, and whether it resends on change: the sends of one it
    // does not name (removed since, or on demand now) are no longer called for.
    const resend = new Map(
      contracts.flatMap((c) =>
        c.schedule.kind === 'planned' ? [[c.id, c.schedule.resend === 'on-change'] as const] : [],
      ),
    );
    // The trip is read under the trip's plan lock, in its transaction: read before, a plan of
    // data since replaced could be written after the plan of the new data (two changes close
    // together), and stay.
    const { changes, missed } = await this.repository.applyPlan(
      tripId,
      async (existing, trx) => {
        const loaded = await this.trips.loadTrip(tripId, trx);
        const planned =
          loaded === undefined
            ? []
            : planTrip({
                trip: loaded.trip,
                bookings: loaded.bookings,
                restricted: loaded.restricted,
                contracts,
                catalogue: this.catalog.catalogue,
                now: now.getTime(),
              });
        return reconcilePlan(existing, planned, resend, now.getTime());
      },
      now,
    );
    // Planned too late (the data came after the last moment): raised, never sent late.
    for (const transmission of missed) this.alerts.raise('missed', transmission);
    // A recipient keeps data since changed, and nothing will send it the new data: raised,
    // once for each new state of the data, so that the DPO tells it (Art. 19).
    for (const change of changes) {
      if (change.type !== 'outdated' || change.digest === null || change.reason === undefined)
        continue;
      this.alerts.raise(
        'outdated',
        { id: change.id, contractId: change.contractId, tripId },
        `recipient ${change.recipientId} holds the data of before: ${OUTDATED_IN_LOG[change.reason]}`,
      );
    }
    return changes;
  }

  /**
   * Every trip with data or open transmissions (at start, and after contracts change). A trip
   * whose bookings are all erased (retention erases those of every trip a month after it ends)
   * and with nothing open plans nothing and has nothing to cancel: it is left out — with years
   * of history, planning every trip ever stored held every send back at each start (a few ms a
   * trip, seconds for thousands).
   */
  async replanAll(now = new Date()): Promise<number> {
    const ids = new Set([
      ...(await this.trips.listTripIdsWithLiveBookings()),
      ...(await this.repository.tripIdsWithOpenTransmissions()),
    ]);
    for (const id of ids) {
      // A shutdown under way: the rest is planned at the next start.
      if (this.stopping) throw new PlanAtStartStopped();
      try {
        await this.replan(id, now);
      } catch (error) {
        this.logger.error(
          `planning a trip failed: ${error instanceof Error ? error.name : 'error'}`,
        );
      }
    }
    return ids.size;
  }
}
