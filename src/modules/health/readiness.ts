import { Inject, Injectable, Logger } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import { sql } from 'kysely';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { Db } from '../../database/database.js';
import { DATABASE } from '../../database/database.module.js';
import { CHECK_TIMEOUT_MS, withTimeout } from '../shared/with-timeout.js';
import { TRANSMISSIONS_QUEUE } from '../transmissions/dispatcher.service.js';

export interface DependencyStates {
  /** PostgreSQL answers. */
  readonly database: 'ok' | 'unavailable';
  /**
   * The register can be appended to: the database is not read-only (a standby after a
   * failover, `default_transaction_read_only`, a full disk made read-only) and this role
   * may insert. `unavailable` when PostgreSQL does not answer.
   */
  readonly register: 'ok' | 'read-only' | 'unavailable';
  /** Redis (the queue) answers. */
  readonly queue: 'ok' | 'unavailable';
}

export interface ReadinessAnswer extends DependencyStates {
  /** Whether this process can do its work: what a load balancer or a rollout waits for. */
  readonly ready: boolean;
}

/**
 * The readiness of this process, by its role: every role needs PostgreSQL and a register it
 * can append to (fail closed: nothing is sent or released without it); only a `worker`
 * needs Redis to work — an `api` or `all` process still takes ingest and answers emergency
 * requests without it (the rate limit counts in the process, alerts wait in PostgreSQL), so
 * it stays in service and says `queue: unavailable`. Each dependency is asked with a bound:
 * a hung PostgreSQL or Redis makes the answer "not ready" in `CHECK_TIMEOUT_MS`, never a
 * probe that hangs with it. A change of readiness is logged once (`warn`), not per probe.
 */
@Injectable()
export class Readiness {
  private readonly logger = new Logger('Health');
  /** The check under way: probes and scrapes at the same moment share it. */
  private running: Promise<ReadinessAnswer> | undefined;
  private wasReady: boolean | undefined;

  constructor(
    @Inject(DATABASE) private readonly db: Db,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly modules: ModuleRef,
  ) {}

  check(): Promise<ReadinessAnswer> {
    this.running ??= this.run().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async run(): Promise<ReadinessAnswer> {
    const [database, queue] = await Promise.all([this.database(), this.queue()]);
    const states: DependencyStates = {
      database: database === 'unavailable' ? 'unavailable' : 'ok',
      register: database,
      queue,
    };
    const ready =
      states.register === 'ok' && (this.config.role !== 'worker' || states.queue === 'ok');
    if (ready !== this.wasReady) {
      if (!ready) this.logger.warn({ msg: 'not ready', ...states });
      else if (this.wasReady === false) this.logger.log({ msg: 'ready again', ...states });
      this.wasReady = ready;
    }
    return { ready, ...states };
  }

  /** PostgreSQL, and whether the register can be appended to, in one round trip. */
  private async database(): Promise<DependencyStates['register']> {
    try {
      const { rows } = await withTimeout(
        sql<{ writable: boolean }>`
          SELECT NOT pg_is_in_recovery()
             AND current_setting('transaction_read_only') = 'off'
             AND has_table_privilege('register_entries', 'INSERT') AS writable`.execute(this.db),
        CHECK_TIMEOUT_MS,
      );
      return rows[0]?.writable === true ? 'ok' : 'read-only';
    } catch {
      return 'unavailable';
    }
  }

  private async queue(): Promise<DependencyStates['queue']> {
    try {
      const queue = this.modules.get<Queue>(getQueueToken(TRANSMISSIONS_QUEUE), { strict: false });
      await withTimeout(queue.count(), CHECK_TIMEOUT_MS);
      return 'ok';
    } catch {
      return 'unavailable';
    }
  }
}
