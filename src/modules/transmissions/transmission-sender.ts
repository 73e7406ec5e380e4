import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { controlReference } from '../../core/formats/control-reference.js';
import { payloadDigest } from '../../core/planning/plan-trip.js';
import { CANCEL_REASONS } from '../../core/planning/reconcile-plan.js';
import { compareAttemptFiles } from '../../core/projection/compare-attempt-files.js';
import { deliveryFileName } from '../../core/projection/delivery-file-name.js';
import type { ProjectedUnit } from '../../core/projection/minimized-unit.js';
import {
  filesDigest,
  parseUnitKey,
  renderOneUnit,
  type RenderedUnit,
} from '../../core/projection/render-unit.js';
import { disclosureEntryBase } from '../../core/register/disclosure-entry.js';
import type { RegisterEntryInput } from '../../core/register/register-entry.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog, LoadedContract } from '../contracts/load-contract-catalog.js';
import { RegisterService } from '../register/register.service.js';
import { TransportsService } from '../transports/transports.service.js';
import type { DeliveryResult, OutgoingFile } from '../transports/transport.js';
import { DeliverySlots } from './delivery-slots.js';
import { DEFAULT_MAX_ATTEMPTS } from './dispatcher.service.js';
import { OpsAlerts } from './ops-alerts.js';
import { SettleQueue } from './settle-queue.js';
import { TRIP_SOURCE, type SourcedTrip, type TripSource } from './trip-source.js';
import {
  TransmissionsRepository,
  type Finish,
  type Lease,
  type LeasedTransmission,
  type Started,
  type Transmission,
} from './transmissions.repository.js';

export type SendOutcome = 'delivered' | 'failed' | 'retry' | 'cancelled' | 'skipped';

/**
 * A register entry of an attempt: what every entry of it says, the event and its detail
 * (the base's own detail kept: how many subjects are the unit's, when others are named).
 * The event first, not `{ ...base, event, detail }`: V8 builds a literal that starts with a
 * spread and goes on on its slow path (~1.7 µs, twice a transmission).
 */
export const entryOf = (
  base: Omit<RegisterEntryInput, 'event'>,
  event: RegisterEntryInput['event'],
  detail: NonNullable<RegisterEntryInput['detail']>,
): RegisterEntryInput => ({
  event,
  ...base,
  detail: base.detail === undefined ? detail : Object.assign({}, base.detail, detail),
});

/**
 * How long a job's read of its trip serves its later rounds: a round leased after it reads
 * the trip again (an erasure that committed since must not leave with the data of before).
 */
export const TRIP_DATA_MAX_AGE_MS = 1000;

/** A transmission's attempt as leased: its `attempts` is the fencing token. */
const leaseOf = (t: LeasedTransmission): Lease => ({ id: t.id, attempt: t.attempts });

type TripData = SourcedTrip;

/** A trip as read for a job: its data (undefined when not stored), or why it could not be read. */
type TripLoad = { readonly data: TripData | undefined } | { readonly error: unknown };

/** A leased transmission, rendered and recorded as attempted, whose files are on their way. */
interface Attempt {
  readonly started: Started;
  readonly loaded: LoadedContract;
  readonly base: Omit<RegisterEntryInput, 'event'>;
  readonly files: readonly OutgoingFile[];
  /** Files of earlier attempts this one does not write: the transport removes them if it can. */
  readonly staleFiles: readonly string[];
  /**
   * Its file names not yet recorded on its row: recorded if it fails, with its outcome, for a
   * retry to remove those it does not write (a delivered transmission is not sent again).
   */
  readonly unrecordedFiles: readonly string[];
  readonly digest: string;
  readonly overridden: boolean;
}

/** A job's share of a lease statement, and the moment it was taken (the files say it). */
interface Leased {
  readonly started: readonly Started[];
  readonly now: Date;
}

/** A delivery that came back, to be recorded and finished. */
interface Delivered {
  readonly attempt: Attempt;
  readonly result: DeliveryResult;
}

/**
 * The worker's use case for the transmissions of one job (those of one trip that fell due
 * together): lease them, load and decrypt the trip once, project and serialize each unit,
 * record the attempts in the register (fail closed: no record, no send), deliver, record
 * the outcomes. Idempotent: a transmission already delivered, cancelled, held or leased by
 * another attempt is left alone.
 *
 * At most `PASSERELLE_WORKER_CONCURRENCY` transmissions are leased at a time in the whole
 * process, all jobs together (`DeliverySlots`), each leased only when a slot is free, so a
 * lease never runs out while its transmission waits behind others. Each step takes all the
 * transmissions at hand in one statement, whichever job they belong to: the leases asked for
 * at the same moment, the trips the jobs starting then load; one register batch of attempts
 * a round; outcomes recorded and rows finished together for every delivery that came back
 * at the same moment.
 */
@Injectable()
export class TransmissionSender {
  private readonly settleQueue: SettleQueue<Delivered, SendOutcome>;
  /** Leases asked for at about the same moment, by any job: one statement for them all. */
  private readonly leaseQueue: SettleQueue<readonly string[], Leased>;
  /** The same for the trips jobs load (a trip gone is `data: undefined`). */
  private readonly tripQueue: SettleQueue<string, TripLoad>;
  /** At most `PASSERELLE_WORKER_CONCURRENCY` transmissions on their way, all jobs together. */
  private readonly slots: DeliverySlots;

  constructor(
    private readonly repository: TransmissionsRepository,
    @Inject(TRIP_SOURCE) private readonly trips: TripSource,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    private readonly register: RegisterService,
    private readonly transports: TransportsService,
    private readonly alerts: OpsAlerts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {
    this.settleQueue = new SettleQueue((delivered) => this.settle(delivered));
    this.leaseQueue = new SettleQueue((asks) => this.lease(asks));
    this.tripQueue = new SettleQueue<string, TripLoad>(async (tripIds) => {
      const unique = [...new Set(tripIds)];
      let loaded: Map<string, TripLoad>;
      try {
        const trips = await this.trips.loadTrips(unique);
        loaded = new Map(unique.map((tripId) => [tripId, { data: trips.get(tripId) }]));
      } catch (error) {
        if (unique.length === 1) throw error;
        // One trip that cannot be read (a booking that does not open) fails its own jobs
        // only: each trip read again on its own, rather than every job read with it failing,
        // at each of its retries.
        loaded = new Map(
          await Promise.all(
            unique.map(async (tripId): Promise<[string, TripLoad]> => {
              try {
                return [tripId, { data: (await this.trips.loadTrips([tripId])).get(tripId) }];
              } catch (failed) {
                return [tripId, { error: failed }];
              }
            }),
          ),
        );
      }
      return tripIds.map((tripId) => loaded.get(tripId) ?? { data: undefined });
    });
    this.slots = new DeliverySlots(config.workerConcurrency);
  }

  /** Renders a transmission's unit with the current data, as it would leave now. */
  async render(
    transmission: Transmission,
    now: Date,
  ): Promise<{ loaded: LoadedContract; unit: RenderedUnit } | undefined> {
    const data = await this.trips.loadTrip(transmission.tripId);
    return data === undefined ? undefined : this.renderWith(data, transmission, now);
  }

  private renderWith(
    data: TripData,
    transmission: Pick<LeasedTransmission, 'id' | 'contractId' | 'unit'>,
    now: Date,
  ): { loaded: LoadedContract; unit: RenderedUnit } | undefined {
    const loaded = this.catalog.contracts.get(transmission.contractId);
    const ref = parseUnitKey(transmission.unit);
    if (loaded === undefined || ref === undefined) return undefined;
    const at = now.toISOString();
    const unit = renderOneUnit(
      {
        prepared: loaded.prepared,
        trip: data.trip,
        bookings: data.bookings,
        restricted: data.restricted,
        contract: loaded.contract,
        catalogue: this.catalog.catalogue,
        formats: this.catalog.formats,
        now: at,
        contextFor: () => ({ reference: controlReference(transmission.id), preparedAt: at }),
      },
      ref,
    );
    return { loaded, unit };
  }

  /** The contract's attempts: its last one's failure is final. */
  private maxAttempts(contractId: string): number {
    return (
      this.catalog.contracts.get(contractId)?.contract.transport.maxAttempts ?? DEFAULT_MAX_ATTEMPTS
    );
  }

  /**
   * Sends the transmissions `ids` names; returns the outcome of each (`retry`: a transient
   * failure, to be tried again by the job's retry). Whether an attempt is the last is each
   * transmission's own: its attempts so far (in its row) against its contract's maximum.
   * Throws, once every delivery under way has been recorded, when the register or the
   * database failed: the job is retried, and attempts without outcome run out their lease.
   * `tripId`, the trip the job says its transmissions are of, is loaded while they are
   * leased rather than after (a transmission of another trip has its own loaded after).
   */
  async send(ids: readonly string[], tripId?: string): Promise<Map<string, SendOutcome>> {
    const waiting = [...new Set(ids)];
    const outcomes = new Map<string, SendOutcome>();
    const leases = new Map<string, Lease>();
    let failure: { error: unknown } | undefined;
    // One load of each trip for the job's rounds (slots free one by one when other jobs
    // share them), read again for a round leased more than a moment after it: a booking
    // changed or erased meanwhile is sent as it is now, not as the job first read it.
    const loads = new Map<
      string,
      { readonly at: number; readonly data: Promise<TripData | undefined> }
    >();
    const load = (tripId: string): Promise<TripData | undefined> => {
      const loaded = loads.get(tripId);
      if (loaded !== undefined && performance.now() - loaded.at < TRIP_DATA_MAX_AGE_MS) {
        return loaded.data;
      }
      const data = this.tripQueue.push(tripId).then((loaded) => {
        if ('error' in loaded) throw loaded.error;
        return loaded.data;
      });
      loads.set(tripId, { at: performance.now(), data });
      return data;
    };
    const release = (count = 1) => {
      this.slots.release(count);
    };
    // The leases are renewed while their transmissions are being sent: they expire only if
    // this process dies (then the reconciler hands them to another).
    const heartbeat = setInterval(
      () => {
        void this.repository
          .renewLeases([...leases.values()], new Date(), this.config.sendLeaseMs)
          .catch(() => undefined);
      },
      Math.max(250, Math.floor(this.config.sendLeaseMs / 3)),
    );
    const rounds: Promise<void>[] = [];
    let prefetch = tripId;
    try {
      while (waiting.length > 0 && failure === undefined) {
        // Slots are the process's, shared with every other job running now.
        const granted = await this.slots.take(waiting.length, () => failure !== undefined);
        if (granted === 0) break;
        const take = waiting.splice(0, granted);
        // The job's trip in the same turn as its first lease (two statements at once), not
        // before the slots (it would be read long before it is sent). Awaited where it is used.
        if (prefetch !== undefined) {
          load(prefetch).catch(() => undefined);
          prefetch = undefined;
        }
        let started: readonly Started[];
        let now: Date;
        try {
          // The lease: if this process dies, the reconciler hands them to another.
          ({ started, now } = await this.leaseQueue.push(take));
        } catch (error) {
          release(take.length);
          failure = { error };
          break;
        }
        const leased = new Set(started.map((s) => s.transmission.id));
        for (const id of take) {
          if (leased.has(id)) continue;
          outcomes.set(id, 'skipped');
          release();
        }
        for (const { transmission } of started) {
          leases.set(transmission.id, leaseOf(transmission));
        }
        if (started.length === 0) continue;
        rounds.push(
          this.sendRound(started, now, {
            done: (id, outcome) => {
              outcomes.set(id, outcome);
              leases.delete(id);
            },
            release,
            load,
          }).catch((error: unknown) => {
            for (const { transmission } of started) leases.delete(transmission.id);
            failure ??= { error };
            this.slots.wakeAll();
          }),
        );
      }
      await Promise.all(rounds);
    } finally {
      clearInterval(heartbeat);
    }
    if (failure !== undefined) throw failure.error;
    return outcomes;
  }

  /**
   * Leases the transmissions several jobs asked for at about the same moment, in one
   * statement, and gives each job those it named. A transmission two jobs named (its lost
   * job given again while the first still runs) goes to the first only: leased once, sent once.
   */
  private async lease(asks: readonly (readonly string[])[]): Promise<Leased[]> {
    const now = new Date();
    const started = await this.repository.startSending(
      [...new Set(asks.flat())],
      now,
      this.config.sendLeaseMs,
    );
    const byId = new Map(started.map((s) => [s.transmission.id, s]));
    return asks.map((ids) => {
      const mine: Started[] = [];
      for (const id of ids) {
        const found = byId.get(id);
        if (found === undefined) continue;
        byId.delete(id);
        mine.push(found);
      }
      return { started: mine, now };
    });
  }

  /**
   * One round: transmissions leased together, rendered from the job's one load of each trip. Resolves once
   * every one of them has its outcome; `release` frees a delivery slot as soon as its
   * delivery came back (or it needs none).
   */
  private async sendRound(
    started: readonly Started[],
    now: Date,
    job: {
      readonly done: (id: string, outcome: SendOutcome) => void;
      readonly release: (count?: number) => void;
      readonly load: (tripId: string) => Promise<TripData | undefined>;
    },
  ): Promise<void> {
    const finishNow = async (finishes: readonly Finish[]) => {
      await this.repository.finish(finishes, new Date());
    };
    let prepared: { attempts: Attempt[]; finishes: Finish[]; outcomes: [string, SendOutcome][] };
    try {
      prepared = await this.prepare(started, now, job.load);
    } catch (error) {
      job.release(started.length);
      await finishNow(
        started.map(({ transmission }) => ({
          ...leaseOf(transmission),
          status: 'queued',
          lastError: 'LOAD_FAILED',
          notSent: true,
        })),
      );
      throw error;
    }
    const { attempts, finishes, outcomes } = prepared;
    if (finishes.length > 0) {
      job.release(finishes.length);
      try {
        await finishNow(finishes);
      } catch (error) {
        // Those to send are not sent (their leases run out and they are sent again); their
        // slots are given back, or the process would have fewer for good.
        job.release(attempts.length);
        throw error;
      }
      for (const [id, outcome] of outcomes) job.done(id, outcome);
    }
    if (attempts.length === 0) return;

    // The moment written into the files, so the payload can be re-derived.
    const preparedAt = now.toISOString();
    try {
      await this.register.appendAll(
        attempts.map((attempt) =>
          entryOf(attempt.base, 'disclosure-attempted', {
            attempt: attempt.started.transmission.attempts,
            overridden: attempt.overridden,
            preparedAt,
          }),
        ),
      );
    } catch (error) {
      // Fail closed: nothing leaves without its record.
      job.release(attempts.length);
      await finishNow(
        attempts.map((attempt) => ({
          ...leaseOf(attempt.started.transmission),
          status: 'queued',
          lastError: 'REGISTER_UNAVAILABLE',
          notSent: true,
        })),
      );
      throw error;
    }

    const settled = await Promise.allSettled(
      attempts.map(async (attempt) => {
        const result = await this.deliver(attempt);
        job.release();
        const outcome = await this.settleQueue.push({ attempt, result });
        job.done(attempt.started.transmission.id, outcome);
      }),
    );
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
  }

  /**
   * Loads each trip once and renders every leased transmission: those to send, with their
   * register entry; the others finished here — cancelled (their unit gone, or its data what
   * was already delivered) or failed (data-quality problems, permanent until the data changes).
   */
  private async prepare(
    started: readonly Started[],
    now: Date,
    load: (tripId: string) => Promise<TripData | undefined>,
  ): Promise<{ attempts: Attempt[]; finishes: Finish[]; outcomes: [string, SendOutcome][] }> {
    const trips = new Map<string, TripData | undefined>();
    for (const { transmission } of started) {
      if (!trips.has(transmission.tripId)) {
        trips.set(transmission.tripId, await load(transmission.tripId));
      }
    }
    const attempts: Attempt[] = [];
    const finishes: Finish[] = [];
    const outcomes: [string, SendOutcome][] = [];
    const overridden = this.config.transportOverride === 'outbox';
    for (const started_ of started) {
      const { transmission, lastDeliveredDigest } = started_;
      const lease = leaseOf(transmission);
      const data = trips.get(transmission.tripId);
      const rendered = data === undefined ? undefined : this.renderWith(data, transmission, now);
      if (rendered === undefined || rendered.unit.participantIds.length === 0) {
        // Its contract removed since it was planned (this process started with the new
        // catalogue before the plan followed it): not a unit gone.
        const reason = this.catalog.contracts.has(transmission.contractId)
          ? CANCEL_REASONS['unit-gone']
          : CANCEL_REASONS['not-in-contract'];
        finishes.push({ ...lease, status: 'cancelled', reason });
        outcomes.push([transmission.id, 'cancelled']);
        continue;
      }
      const { loaded, unit } = rendered;
      const digest = payloadDigest(unit.payload);
      if (digest === lastDeliveredDigest) {
        finishes.push({
          ...lease,
          status: 'cancelled',
          reason: CANCEL_REASONS.unchanged,
        });
        outcomes.push([transmission.id, 'cancelled']);
        continue;
      }
      if (unit.errors.length > 0) {
        finishes.push({
          ...lease,
          status: 'failed',
          lastError: 'DATA_QUALITY',
          problems: unit.errors,
        });
        outcomes.push([transmission.id, 'failed']);
        this.alerts.raise('data-quality', transmission, 'DATA_QUALITY');
        continue;
      }
      const files: OutgoingFile[] = unit.files.map((file) => ({
        name: deliveryFileName(loaded.contract, unit.unit, transmission.id, file.suffix),
        content: file.content,
        mediaType: file.mediaType,
      }));
      const { stale, unrecorded } = compareAttemptFiles(
        transmission.attemptedFiles,
        files.map((file) => file.name),
      );
      const { sha256, bytes } = filesDigest(files);
      const transport = loaded.contract.transport;
      const base = this.entryBase(transmission, loaded, unit, {
        sha256,
        bytes,
        transport: overridden
          ? { type: 'outbox' }
          : {
              type: transport.type,
              ...(transport.endpoint === undefined ? {} : { endpointId: transport.endpoint }),
            },
      });
      attempts.push({
        started: started_,
        loaded,
        base,
        files,
        staleFiles: stale,
        unrecordedFiles: unrecorded,
        digest,
        overridden,
      });
    }
    return { attempts, finishes, outcomes };
  }

  /** Delivers one attempt's files; an unexpected exception is a transient failure. */
  private async deliver(attempt: Attempt): Promise<DeliveryResult> {
    const { transmission } = attempt.started;
    const delivery = await this.transports
      .deliver(attempt.loaded.contract.transport, {
        transmissionId: transmission.id,
        contractId: transmission.contractId,
        // The recipient of the unit as rendered under the contract loaded — the one the
        // register records — not the row's, which a plan of an older version may have written.
        recipientId: attempt.base.recipient?.id ?? transmission.recipientId,
        files: attempt.files,
        staleFiles: attempt.staleFiles,
      })
      .catch((error: unknown) => ({
        result: {
          ok: false as const,
          permanent: false,
          code: 'TRANSPORT_ERROR',
          reason: error instanceof Error ? error.name : 'error',
        },
      }));
    return delivery.result;
  }

  /**
   * Records the outcomes of deliveries that came back, and finishes their rows, so that a
   * row and its entry are committed together or not at all: in the register's one statement
   * when every row is still this attempt's (its guard), otherwise in one transaction, the
   * rows finished first (fenced) and the entries appended for those finished —
   * a crash between the two can no longer leave a delivery recorded on a row still being
   * sent, to be sent and recorded again. Fenced: an attempt that was taken over (this one
   * was presumed dead) records nothing; the attempt that took over does, and the files it
   * writes have the same names.
   */
  private async settle(delivered: readonly Delivered[]): Promise<SendOutcome[]> {
    const outcomes: SendOutcome[] = [];
    const entries: RegisterEntryInput[] = [];
    const finishes: Finish[] = [];
    const finals: { transmission: LeasedTransmission; code: string }[] = [];
    for (const { attempt, result } of delivered) {
      const { transmission } = attempt.started;
      const lease = leaseOf(transmission);
      if (result.ok) {
        entries.push(
          entryOf(attempt.base, 'disclosure-delivered', {
            attempt: transmission.attempts,
            files: attempt.files.length,
            overridden: attempt.overridden,
            // Counts only (names may carry what the contract lists): files of earlier
            // attempts this one did not write, and how many of them the transport removed
            // (none by HTTPS, which cannot take back what it posted).
            ...(attempt.staleFiles.length === 0
              ? {}
              : {
                  staleFiles: attempt.staleFiles.length,
                  staleRemoved: result.staleRemoved ?? 0,
                }),
          }),
        );
        finishes.push({
          id: lease.id,
          attempt: lease.attempt,
          status: 'delivered',
          deliveredDigest: attempt.digest,
          lastError: null,
        });
        outcomes.push('delivered');
        continue;
      }
      // The last attempt is the transmission's own: its contract's maximum, counted in its row
      // since it was last planned again.
      const last =
        result.permanent ||
        transmission.generationAttempts >= this.maxAttempts(transmission.contractId);
      entries.push(
        entryOf(attempt.base, 'disclosure-failed', {
          attempt: transmission.attempts,
          code: result.code,
          permanent: result.permanent,
          final: last,
        }),
      );
      finishes.push({
        ...lease,
        status: last ? 'failed' : 'queued',
        lastError: result.code,
        // The names it wrote or may have written, for the next attempt (a retry, or an
        // operator's send-now of a failed one) to remove those it does not write.
        ...(attempt.unrecordedFiles.length === 0
          ? {}
          : { attemptedFiles: attempt.unrecordedFiles }),
      });
      if (last) finals.push({ transmission, code: result.code });
      outcomes.push(last ? 'failed' : 'retry');
    }
    const now = new Date();
    const { result: finished } = await this.register.appendAfter(
      async (trx) => {
        const done = await this.repository.finish(finishes, now, trx);
        return { inputs: entries.filter((_, i) => done.has(finishes[i]?.id ?? '')), result: done };
      },
      entries.length,
      // Most often every row is still this attempt's: then rows and entries go in the
      // append's one statement (no transaction around it), or not at all and the step runs.
      {
        inputs: entries,
        guard: { update: this.repository.finishQuery(finishes, now), rows: finishes.length },
        result: new Set(finishes.map((f) => f.id)),
      },
    );
    // Raised once: for the final failure, not for each retry.
    for (const { transmission, code } of finals) {
      if (finished.has(transmission.id)) this.alerts.raise('failed', transmission, code);
    }
    return delivered.map(({ attempt }, i) =>
      finished.has(attempt.started.transmission.id) ? (outcomes[i] ?? 'skipped') : 'skipped',
    );
  }
  /** What every register entry of this transmission says (ids, categories, digests — no value). */
  entryBase(
    transmission: LeasedTransmission,
    loaded: LoadedContract,
    unit: ProjectedUnit,
    payload: {
      readonly sha256: string;
      readonly bytes: number;
      readonly transport: { readonly type: string; readonly endpointId?: string };
    },
  ): Omit<RegisterEntryInput, 'event'> {
    return disclosureEntryBase({
      contract: loaded.contract,
      contractSha256: loaded.sha256,
      catalogue: this.catalog.catalogue,
      unit,
      tripId: transmission.tripId,
      transmissionId: transmission.id,
      payload: { sha256: payload.sha256, bytes: payload.bytes },
      transport: payload.transport,
      actor: { kind: 'system', id: 'worker' },
    });
  }
}
