import { createHash } from 'node:crypto';
import { Inject, Injectable } from '@nestjs/common';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import { payloadDigest } from '../../core/planning/plan-trip.js';
import type { ProjectedUnit } from '../../core/projection/minimized-unit.js';
import {
  parseUnitKey,
  renderOneUnit,
  unitFileStem,
  type RenderedUnit,
} from '../../core/projection/render-unit.js';
import { disclosureEntryBase } from '../../core/register/disclosure-entry.js';
import type { RegisterEntryInput } from '../../core/register/register-entry.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog, LoadedContract } from '../contracts/load-contract-catalog.js';
import { RegisterService } from '../register/register.service.js';
import { TransportsService } from '../transports/transports.service.js';
import type { OutgoingFile } from '../transports/transport.js';
import { OpsAlerts } from './ops-alerts.js';
import { TRIP_SOURCE, type TripSource } from './trip-source.js';
import { TransmissionsRepository, type Transmission } from './transmissions.repository.js';

export type SendOutcome = 'delivered' | 'failed' | 'retry' | 'cancelled' | 'skipped';

/** A stable 12-character reference per transmission: retries keep their control references. */
export function transmissionReference(id: string): string {
  const digest = createHash('sha256').update(id).digest();
  return BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .toUpperCase()
    .padStart(12, '0')
    .slice(-12);
}

/**
 * The worker's use case for one transmission: load the unit's data, project, serialize,
 * record the attempt in the register (fail closed: no record, no send), deliver, record the
 * outcome. Idempotent: a transmission already delivered, cancelled or held is left alone.
 */
@Injectable()
export class TransmissionSender {
  constructor(
    private readonly repository: TransmissionsRepository,
    @Inject(TRIP_SOURCE) private readonly trips: TripSource,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    private readonly register: RegisterService,
    private readonly transports: TransportsService,
    private readonly alerts: OpsAlerts,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Renders a transmission's unit with the current data, as it would leave now. */
  async render(
    transmission: Transmission,
    now: Date,
  ): Promise<{ loaded: LoadedContract; unit: RenderedUnit } | undefined> {
    const loaded = this.catalog.contracts.get(transmission.contractId);
    const ref = parseUnitKey(transmission.unit);
    const data = await this.trips.loadTrip(transmission.tripId);
    if (loaded === undefined || ref === undefined || data === undefined) return undefined;
    const unit = renderOneUnit(
      {
        trip: data.trip,
        bookings: data.bookings,
        contract: loaded.contract,
        catalogue: this.catalog.catalogue,
        formats: this.catalog.formats,
        now: now.toISOString(),
        contextFor: () => ({
          reference: transmissionReference(transmission.id),
          preparedAt: now.toISOString(),
        }),
      },
      ref,
    );
    return { loaded, unit };
  }

  /** `final`: this is the last attempt the contract allows. */
  async send(transmissionId: string, final: boolean): Promise<SendOutcome> {
    const now = new Date();
    // The lease: if this process dies, the reconciler hands the transmission to another.
    const started = await this.repository.startSending(
      transmissionId,
      now,
      this.config.sendLeaseMs,
    );
    if (started === undefined) return 'skipped';
    const { transmission, lastDeliveredDigest } = started;
    let rendered: Awaited<ReturnType<TransmissionSender['render']>>;
    try {
      rendered = await this.render(transmission, now);
    } catch (error) {
      await this.repository.finish(transmission.id, 'queued', new Date(), {
        lastError: 'LOAD_FAILED',
      });
      throw error;
    }
    if (rendered === undefined || rendered.unit.participantIds.length === 0) {
      await this.repository.finish(transmission.id, 'cancelled', new Date(), {
        reason: 'its unit no longer exists',
      });
      return 'cancelled';
    }
    const { loaded, unit } = rendered;
    const digest = payloadDigest(unit.payload);
    if (digest === lastDeliveredDigest) {
      await this.repository.finish(transmission.id, 'cancelled', new Date(), {
        reason: 'the data is what was already delivered',
      });
      return 'cancelled';
    }
    if (unit.errors.length > 0) {
      // Data-quality problems are permanent until the data changes (a new plan then).
      await this.repository.finish(transmission.id, 'failed', new Date(), {
        lastError: 'DATA_QUALITY',
        problems: unit.errors,
      });
      this.alerts.raise('data-quality', transmission, 'DATA_QUALITY');
      return 'failed';
    }

    const stem = unitFileStem(unit.unit);
    const files: OutgoingFile[] = unit.files.map((file) => ({
      name: `${stem}.${transmission.id}.${file.suffix}`,
      content: file.content,
      mediaType: file.mediaType,
    }));
    const hash = createHash('sha256');
    let bytes = 0;
    for (const file of files) {
      const content = Buffer.from(file.content, 'utf8');
      hash.update(content);
      bytes += content.length;
    }
    const transport = loaded.contract.transport;
    const overridden = this.config.transportOverride === 'outbox';
    const base = this.entryBase(transmission, loaded, unit, {
      sha256: hash.digest('hex'),
      bytes,
      transport: overridden
        ? { type: 'outbox' }
        : {
            type: transport.type,
            ...(transport.endpoint === undefined ? {} : { endpointId: transport.endpoint }),
          },
    });

    try {
      await this.register.append({
        ...base,
        event: 'disclosure-attempted',
        // preparedAt: the moment written into the files, so the payload can be re-derived.
        detail: { attempt: transmission.attempts, overridden, preparedAt: now.toISOString() },
      });
    } catch (error) {
      // Fail closed: nothing leaves without its record.
      await this.repository.finish(transmission.id, 'queued', new Date(), {
        lastError: 'REGISTER_UNAVAILABLE',
      });
      throw error;
    }

    // The lease is renewed while the delivery runs: it expires only if this process dies.
    const heartbeat = setInterval(
      () => {
        void this.repository
          .renewLease(transmission.id, transmission.attempts, new Date(), this.config.sendLeaseMs)
          .catch(() => undefined);
      },
      Math.max(250, Math.floor(this.config.sendLeaseMs / 3)),
    );
    const delivery = await this.transports
      .deliver(transport, {
        transmissionId: transmission.id,
        contractId: transmission.contractId,
        recipientId: transmission.recipientId,
        files,
      })
      .catch((error: unknown) => ({
        result: {
          ok: false as const,
          permanent: false,
          code: 'TRANSPORT_ERROR',
          reason: error instanceof Error ? error.name : 'error',
        },
      }))
      .finally(() => {
        clearInterval(heartbeat);
      });
    const result = delivery.result;
    // Fenced: if another attempt took this transmission over (this one was presumed dead),
    // that attempt records the outcome; the files it writes have the same names.
    if (!(await this.repository.holdsLease(transmission.id, transmission.attempts))) {
      return 'skipped';
    }
    if (result.ok) {
      await this.register.append({
        ...base,
        event: 'disclosure-delivered',
        detail: { attempt: transmission.attempts, files: files.length, overridden },
      });
      await this.repository.finish(transmission.id, 'delivered', new Date(), {
        deliveredDigest: digest,
        lastError: null,
      });
      return 'delivered';
    }
    const last = result.permanent || final;
    await this.register.append({
      ...base,
      event: 'disclosure-failed',
      detail: {
        attempt: transmission.attempts,
        code: result.code,
        permanent: result.permanent,
        final: last,
      },
    });
    if (last) {
      await this.repository.finish(transmission.id, 'failed', new Date(), {
        lastError: result.code,
      });
      // Raised once: for the final failure, not for each retry.
      this.alerts.raise('failed', transmission, result.code);
      return 'failed';
    }
    await this.repository.finish(transmission.id, 'queued', new Date(), { lastError: result.code });
    return 'retry';
  }

  /** What every register entry of this transmission says (ids, categories, digests — no value). */
  entryBase(
    transmission: Transmission,
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
