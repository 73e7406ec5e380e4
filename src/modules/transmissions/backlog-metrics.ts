import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import type { Gauge } from 'prom-client';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { CHECK_TIMEOUT_MS, withTimeout } from '../shared/with-timeout.js';
import { TRANSMISSIONS_QUEUE, type SendJob } from './dispatcher.service.js';
import { TransmissionsRepository } from './transmissions.repository.js';

/** A figure read at most this often, whatever the number of scrapes (and of Prometheus servers). */
const REFRESH_MS = 5000;

/** The queue's job states an operator watches. */
const JOB_STATES = ['waiting', 'active', 'delayed', 'prioritized', 'failed'] as const;

/**
 * Reads `read` at most once per `REFRESH_MS`, with a bound: a scrape never waits on a hung
 * PostgreSQL or Redis for more than `CHECK_TIMEOUT_MS`. A read that fails or times out
 * clears the gauges (`clear`): absent, rather than a stale figure that looks fine.
 */
function refreshed<A = void>(
  read: (arg: A) => Promise<void>,
  clear: (arg: A) => void,
): (arg: A) => Promise<void> {
  let last = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | undefined;
  return async (arg) => {
    if (performance.now() - last < REFRESH_MS) return;
    running ??= withTimeout(read(arg), CHECK_TIMEOUT_MS)
      .then(
        () => {
          last = performance.now();
        },
        () => {
          clear(arg);
          last = Number.NEGATIVE_INFINITY;
        },
      )
      .finally(() => {
        running = undefined;
      });
    await running;
  };
}

/**
 * What the dispatcher and the worker have before them, for `/metrics` of the processes that
 * run them (roles `worker`, `all`): the backlog (transmissions due and not delivered, by
 * contract, and the age of the oldest — one index-backed query, at most every 5 s) and the
 * queue's jobs by state (one Redis call, as often). Labels are contract ids and job states.
 */
@Injectable()
export class BacklogMetrics {
  constructor(
    metrics: MetricsService,
    repository: TransmissionsRepository,
    @InjectQueue(TRANSMISSIONS_QUEUE) queue: Queue<SendJob>,
    @Inject(CONTRACT_CATALOG) catalog: ContractCatalog,
  ) {
    const gauges: { count?: Gauge<'contract'>; oldest?: Gauge } = {};
    // One query sets both gauges, whichever the scrape asks first.
    const readBacklog = refreshed(
      async () => {
        const now = new Date();
        const rows = await repository.backlog(now);
        const { count, oldest } = gauges;
        count?.reset();
        // Every contract's series exists, at 0 when nothing waits: an alert compares figures.
        for (const contractId of catalog.contracts.keys()) count?.set({ contract: contractId }, 0);
        let oldestSeconds = 0;
        for (const row of rows) {
          count?.set({ contract: row.contractId }, row.count);
          oldestSeconds = Math.max(
            oldestSeconds,
            (now.getTime() - row.oldestDueAt.getTime()) / 1000,
          );
        }
        oldest?.set(oldestSeconds);
      },
      () => {
        gauges.count?.reset();
        gauges.oldest?.reset();
      },
    );
    gauges.count = metrics.collectedGauge(
      {
        name: 'passerelle_transmissions_backlog',
        help: 'Transmissions due and not yet delivered (planned past their due time, queued, being sent), by contract',
        labelNames: ['contract'],
      },
      () => readBacklog(),
    );
    gauges.oldest = metrics.collectedGauge(
      {
        name: 'passerelle_transmissions_backlog_oldest_seconds',
        help: 'How long the oldest transmission of the backlog has been due, in seconds (0: none)',
      },
      () => readBacklog(),
    );
    metrics.collectedGauge(
      {
        name: 'passerelle_queue_jobs',
        help: 'Jobs of the transmissions queue in Redis, by state',
        labelNames: ['state'],
      },
      (gauge) => readQueue(gauge),
    );
    const readQueue = refreshed<Gauge<'state'>>(
      async (gauge) => {
        const counts = await queue.getJobCounts(...JOB_STATES);
        gauge.reset();
        for (const state of JOB_STATES) gauge.set({ state }, counts[state] ?? 0);
      },
      (gauge) => {
        gauge.reset();
      },
    );
  }
}
