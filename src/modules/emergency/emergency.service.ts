import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import type { Contract } from '../../core/contracts/contract.js';
import { decideRelease, type ReleaseDecision } from '../../core/emergency/emergency-release.js';
import { disclosureEntryBase } from '../../core/register/disclosure-entry.js';
import type { RegisterEntry, RegisterEntryInput } from '../../core/register/register-entry.js';
import type { AppConfig } from '../../config/app-config.js';
import { APP_CONFIG } from '../../config/config.module.js';
import type { ApiClient } from '../auth/api-client.js';
import { BookingCipher, BookingCipherError } from '../bookings/booking-cipher.js';
import { sealedColumns } from '../bookings/bookings.repository.js';
import { BookingsService } from '../bookings/bookings.service.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog, LoadedContract } from '../contracts/load-contract-catalog.js';
import { MetricsService } from '../metrics/metrics.service.js';
import { RegisterService } from '../register/register.service.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { isUuid } from '../shared/uuid.js';
import { controlReference } from '../../core/formats/control-reference.js';
import { filesDigest } from '../../core/projection/render-unit.js';
import { EmergencyAlerts, type AlertEvent } from './emergency-alerts.js';
import { parseEmergencyRequest, type EmergencyRequest } from './emergency-request.js';
import {
  EmergencyRepository,
  type EmergencyReceipt,
  type EmergencyRequestFilters,
  type StoredEmergencyRequest,
} from './emergency.repository.js';
import { EMERGENCY_LIMITER } from './emergency.tokens.js';
import type { SlidingWindowLimiter } from './rate-limiter.js';

/** What the caller receives when data is released: the contract's JSON, as rendered. */
export interface EmergencyRelease {
  readonly body: string;
  readonly mediaType: string;
  readonly registerEntryId: string;
  readonly requestId: string;
}

/** A request as operations and the DPO see it: ids, outcome, and what the agent wrote. */
export interface EmergencyRequestView extends EmergencyReceipt {
  readonly clientId: string;
  readonly insurerId: string;
  /** The reason it was refused, for the DPO (never told to the caller). */
  readonly refusal: string | null;
  readonly tripId: string | null;
  readonly participantId: string | null;
  readonly requestSha256: string;
  /** Null once the participant's booking was erased. */
  readonly policyNumber: string | null;
  readonly incidentReference: string | null;
  readonly reason: string | null;
  readonly requestedBy: string | null;
  readonly erased: boolean;
  /** What the agent wrote is kept but cannot be opened (altered bytes, or a key not given). */
  readonly unreadable: boolean;
}

const encodeRequestCursor = (at: Date, id: string): string =>
  Buffer.from(`${at.toISOString()}|${id}`).toString('base64url');

/**
 * A cursor as `encodeRequestCursor` writes it, or `undefined`. The time must be a real instant
 * written as `toISOString` writes it, and the id a UUID: the pattern alone let through
 * `2027-13-45T99:99:99Z` and 36 dashes, which PostgreSQL then refused (a 500).
 */
function decodeRequestCursor(cursor: string): { at: Date; id: string } | undefined {
  const [time, id, ...rest] = Buffer.from(cursor, 'base64url').toString('utf8').split('|');
  if (time === undefined || id === undefined || rest.length > 0 || !isUuid(id)) return undefined;
  const at = new Date(time);
  if (Number.isNaN(at.getTime()) || at.toISOString() !== time) {
    return undefined;
  }
  return { at, id };
}

/** The one answer to every refusal the caller must not tell apart from another. */
export const NOT_FOUND_MESSAGE = 'no participant insured by this client matches the request';

/**
 * The emergency contract: the contract answered on request (`api-response`) to the
 * participants' insurer. Exactly one is expected; with several, the first by id.
 */
export function emergencyContractOf(catalog: ContractCatalog): LoadedContract | undefined {
  return [...catalog.contracts.values()]
    .filter(
      (loaded) =>
        loaded.contract.transport.type === 'api-response' &&
        loaded.contract.scope.insuredBy === 'recipient' &&
        loaded.contract.unit === 'participant',
    )
    .sort((a, b) => a.contract.id.localeCompare(b.contract.id))[0];
}

/**
 * Break-glass release to insurers (`POST /v1/emergency/requests`): rate-limited per client,
 * scoped to the caller's own insured on a confirmed booking inside the contract's window,
 * recorded in the register before anything is answered (fail closed: no record, no data),
 * raised to operations and the DPO.
 */
@Injectable()
export class EmergencyService {
  private readonly logger = new Logger('Emergency');
  private readonly requests: Counter<'outcome' | 'insurer'>;
  private readonly contract: LoadedContract | undefined;

  constructor(
    private readonly bookings: BookingsService,
    private readonly cipher: BookingCipher,
    private readonly register: RegisterService,
    private readonly repository: EmergencyRepository,
    private readonly alerts: EmergencyAlerts,
    @Inject(EMERGENCY_LIMITER) private readonly limiter: SlidingWindowLimiter,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    metrics: MetricsService,
  ) {
    this.requests = metrics.counter({
      name: 'passerelle_emergency_requests_total',
      help: 'Emergency requests by outcome (released, refused, rate-limited, invalid) and insurer (refusal reasons are in the register only)',
      labelNames: ['outcome', 'insurer'],
    });
    this.contract = emergencyContractOf(catalog);
  }

  async request(client: ApiClient, raw: unknown): Promise<EmergencyRelease> {
    const insurerId = client.insurerId;
    if (client.role !== 'insurer' || insurerId === undefined) {
      throw new PasserelleError(
        'FORBIDDEN',
        'only an insurer’s client may make emergency requests',
      );
    }
    const rate = await this.limiter.take(client.id);
    if (!rate.allowed) {
      this.requests.inc({ outcome: 'rate-limited', insurer: insurerId });
      throw new RateLimited(Math.max(1, Math.ceil(rate.retryAfterMs / 1000)));
    }
    // The refusal time counts from here: the limiter's wait (up to its Redis timeout while
    // Redis hangs) is the same whatever the answer, and counted in it, it left no time to
    // hide the work that tells the reasons apart.
    const arrived = performance.now();
    let request: EmergencyRequest;
    try {
      request = parseEmergencyRequest(raw);
    } catch (error) {
      this.requests.inc({ outcome: 'invalid', insurer: insurerId });
      throw error;
    }
    const loaded = this.contract;
    if (loaded === undefined) {
      throw new PasserelleError('SERVICE_UNAVAILABLE', 'no emergency contract is configured');
    }
    const now = new Date();
    const requestId = randomUUID();

    const { holders, trips } = await this.bookings.findInsured(request.policyNumber, insurerId);
    const decision = decideRelease({
      insurerId,
      holders,
      trips,
      contract: loaded.contract,
      catalogue: this.catalog.catalogue,
      formats: this.catalog.formats,
      prepared: loaded.prepared,
      now: now.toISOString(),
      reference: controlReference(requestId),
      ...(request.dateOfBirth === undefined ? {} : { dateOfBirth: request.dateOfBirth }),
    });

    // What the agent wrote is sealed apart; the register holds its digest.
    const text = JSON.stringify({
      requestId,
      receivedAt: now.toISOString(),
      clientId: client.id,
      ...request,
    });
    const requestSha256 = createHash('sha256').update(text).digest('hex');
    // The alert the decision raises whatever comes next (a release; data incomplete), kept
    // with the request in the statement that records it. Repeated refusals are known only
    // once counted, after: those are kept by a statement of their own.
    const alertOf = (entry: RegisterEntry): AlertEvent | undefined => {
      const event =
        decision.kind === 'released'
          ? 'emergency-released'
          : decision.reason === 'data-incomplete'
            ? 'emergency-data-incomplete'
            : undefined;
      if (event === undefined) return undefined;
      return {
        event,
        occurredAt: entry.occurredAt,
        clientId: client.id,
        insurerId,
        requestId,
        registerEntryId: entry.id,
        ...(decision.holder === undefined ? {} : { tripId: decision.holder.tripId }),
      };
    };
    const entry = await this.record(decision, loaded, client, insurerId, {
      requestId,
      requestSha256,
      text,
      now,
      alertOf,
    });
    const alert = alertOf(entry);

    if (decision.kind === 'released') {
      const file = decision.unit.files[0];
      if (file === undefined || alert === undefined) {
        throw new Error('a released unit has its file and its alert');
      }
      this.requests.inc({ outcome: 'released', insurer: insurerId });
      await this.alerts.raise(alert, { kept: true });
      return {
        body: file.content,
        mediaType: file.mediaType,
        registerEntryId: entry.id,
        requestId,
      };
    }

    // No reason label: /metrics needs no key, and the reasons are what the identical 404s hide
    // from the caller (they are in the register, for the DPO). Counted when answered, so
    // that the metric does not tell either when the reason was known.
    const countRefusal = () => {
      this.requests.inc({ outcome: 'refused', insurer: insurerId });
      return this.alerts.refused({
        occurredAt: entry.occurredAt,
        clientId: client.id,
        insurerId,
        requestId,
        registerEntryId: entry.id,
      });
    };
    if (decision.reason === 'data-incomplete') {
      await countRefusal();
      // The caller is the insurer of a participant in the window: it learns that the data
      // is incomplete (paths and rules, no value), and operations are told to complete it.
      if (alert !== undefined) await this.alerts.raise(alert, { kept: true });
      throw new PasserelleError(
        'UNPROCESSABLE',
        'the participant’s data is incomplete for the emergency contract; operations are alerted',
        (decision.errors ?? []).map((error) => ({ path: error.field, rule: error.rule })),
      );
    }
    if (decision.reason === 'ambiguous-policy') {
      await countRefusal();
      // Several of the caller's own insured, each in their window, share the number (a
      // family policy): the caller may know that much, and is told how to name the one meant.
      throw new PasserelleError(
        'UNPROCESSABLE',
        'several participants insured by this client share this policy number',
        [
          {
            path: 'dateOfBirth',
            rule:
              request.dateOfBirth === undefined
                ? 'required when several insured share the policy number'
                : 'several insured sharing the policy number were born that day: call operations',
          },
        ],
      );
    }
    // An unknown policy is refused sooner than one outside its window (no trip to load):
    // every refusal is answered at the same moment after the request arrived.
    const wait = arrived + this.config.emergencyRefusalMs - performance.now();
    if (wait > 0) await sleep(wait);
    // Counted once the refusal time is over: counting waits on Redis (its timeout while it
    // hangs, the alert's queue at every threshold-th), as long whatever the reason.
    await countRefusal();
    throw new PasserelleError('NOT_FOUND', NOT_FOUND_MESSAGE);
  }

  /** The receipt of one of the client's own requests (404 for anyone else's, or none). */
  async receipt(client: ApiClient, id: string): Promise<EmergencyReceipt> {
    const found = isUuid(id) ? await this.repository.receipt(id, client.id) : undefined;
    if (found === undefined)
      throw new PasserelleError('NOT_FOUND', 'no such request of this client');
    return found;
  }

  /**
   * Operations' and the DPO's view of emergency requests, newest first, with what each agent
   * wrote (decrypted; null once the booking was erased). The read itself is recorded in the
   * register (an `ops-action` naming the reader and the participants shown) — fail closed.
   */
  async list(
    client: ApiClient,
    filters: EmergencyRequestFilters,
    cursor: string | undefined,
    limit: number,
  ): Promise<{ items: EmergencyRequestView[]; nextCursor: string | null }> {
    const before = cursor === undefined ? undefined : decodeRequestCursor(cursor);
    if (cursor !== undefined && before === undefined) {
      throw new PasserelleError('BAD_REQUEST', 'the cursor is not one this API issued', [
        { path: 'cursor', rule: 'not a cursor this API issued' },
      ]);
    }
    const rows = await this.repository.list(filters, before, limit + 1);
    const page = rows.slice(0, limit);
    const items = page.map((row) => this.view(row));
    // The participant asked about is named even when nothing is found: that someone looked
    // for requests about them is itself a read about them.
    await this.recordRead(
      client,
      'GET /v1/emergency/requests',
      page,
      filters.participantId === undefined ? [] : [filters.participantId],
    );
    const last = page[page.length - 1];
    return {
      items,
      nextCursor:
        rows.length > limit && last !== undefined
          ? encodeRequestCursor(last.receivedAt, last.id)
          : null,
    };
  }

  /**
   * One request: for the insurer that made it, its receipt; for operations and the DPO, the
   * whole record (the read recorded). 404 for anyone else, or no such request.
   */
  async one(client: ApiClient, id: string): Promise<EmergencyReceipt | EmergencyRequestView> {
    if (client.role === 'insurer') return this.receipt(client, id);
    const found = isUuid(id) ? await this.repository.byId(id) : undefined;
    if (found === undefined) throw new PasserelleError('NOT_FOUND', 'no such emergency request');
    const view = this.view(found);
    await this.recordRead(client, 'GET /v1/emergency/requests/{id}', [found]);
    return view;
  }

  private view(row: StoredEmergencyRequest): EmergencyRequestView {
    let written: Partial<EmergencyRequest> = {};
    let unreadable = false;
    if (row.sealed !== undefined) {
      try {
        written = JSON.parse(
          this.cipher.open(`emergency-request:${row.id}`, row.sealed).toString('utf8'),
        ) as EmergencyRequest;
      } catch (error) {
        if (!(error instanceof BookingCipherError)) throw error;
        // Altered bytes, or a master key dropped too soon: this one is shown as such, and the
        // rest of the DPO's list still is.
        unreadable = true;
        this.logger.warn({ msg: 'an emergency request cannot be opened', id: row.id });
      }
    }
    return {
      id: row.id,
      receivedAt: row.receivedAt.toISOString(),
      clientId: row.clientId,
      insurerId: row.insurerId,
      outcome: row.outcome,
      refusal: row.refusal,
      registerEntryId: row.registerEntryId,
      tripId: row.tripId,
      participantId: row.participantId,
      requestSha256: row.requestSha256,
      policyNumber: written.policyNumber ?? null,
      incidentReference: written.incidentReference ?? null,
      reason: written.reason ?? null,
      requestedBy: written.requestedBy ?? null,
      erased: row.sealed === undefined,
      unreadable,
    };
  }

  private async recordRead(
    client: ApiClient,
    what: string,
    items: readonly StoredEmergencyRequest[],
    askedFor: readonly string[] = [],
  ): Promise<void> {
    try {
      await this.register.append({
        event: 'ops-action',
        // Everyone asked for, and everyone the requests shown are about, not only their
        // single holders (the register's rule for reads: asked for or shown).
        subjects: [
          ...new Set([
            ...askedFor,
            ...items.flatMap((item) => [
              ...item.participantIds,
              ...(item.participantId === null ? [] : [item.participantId]),
            ]),
          ]),
        ].sort(),
        fields: [],
        categories: [],
        withheld: [],
        actor: { kind: 'client', id: client.id },
        reason: `emergency requests read: ${what}`,
        detail: { role: client.role, requests: items.length },
      });
    } catch {
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this read; nothing is shown',
      );
    }
  }

  /** Appends the decision to the register; if it cannot be written, nothing is answered but 503. */
  private async record(
    decision: ReleaseDecision,
    loaded: LoadedContract,
    client: ApiClient,
    insurerId: string,
    request: {
      readonly requestId: string;
      readonly requestSha256: string;
      readonly text: string;
      readonly now: Date;
      /** The alert kept with the request's row (see `EmergencyAlerts.keptWith`). */
      readonly alertOf: (entry: RegisterEntry) => AlertEvent | undefined;
    },
  ): Promise<RegisterEntry> {
    const { contract } = loaded;
    const actor = { kind: 'client', id: client.id } as const;
    const detail = { requestId: request.requestId, requestSha256: request.requestSha256 };
    let input: RegisterEntryInput;
    if (decision.kind === 'released') {
      // The one file answered (the register names what left, as for every disclosure).
      const file = decision.unit.files[0];
      const payload = filesDigest(file === undefined ? [] : [file]);
      const base = disclosureEntryBase({
        contract,
        contractSha256: loaded.sha256,
        catalogue: this.catalog.catalogue,
        unit: decision.unit,
        tripId: decision.holder.tripId,
        payload,
        transport: { type: 'api-response' },
        actor,
      });
      // The event first: V8 builds a literal that starts with a spread on its slow path.
      // The base's detail kept: how many subjects are the participant's own (the leaders whose
      // name and phone it gives are told only of those, in their access reports).
      input = {
        event: 'emergency-released',
        ...base,
        reason: 'emergency request',
        detail: base.detail === undefined ? detail : Object.assign({}, base.detail, detail),
      };
    } else {
      input = {
        event: 'emergency-refused',
        contract: { id: contract.id, version: contract.version, sha256: loaded.sha256 },
        recipient: recipientOf(contract, insurerId),
        purpose: contract.purpose,
        legalBasis: contract.legalBasis,
        ...(decision.holder === undefined
          ? {}
          : {
              tripId: decision.holder.tripId,
              unit: `participant:${decision.holder.participantId}:insurer:${insurerId}`,
            }),
        subjects: decision.subjects,
        fields: [],
        categories: [],
        withheld: [],
        transport: { type: 'api-response' },
        actor,
        reason: decision.reason,
        detail,
      };
    }
    // What the agent wrote, sealed, committed with the entry (or neither is).
    const holder = decision.holder;
    const sealed = this.cipher.seal(
      `emergency-request:${request.requestId}`,
      Buffer.from(request.text, 'utf8'),
    );
    try {
      return await this.register.appendWith(input, {
        table: 'emergency_requests',
        row: (entry) => ({
          id: request.requestId,
          client_id: client.id,
          insurer_id: insurerId,
          outcome: decision.kind,
          refusal: decision.kind === 'refused' ? decision.reason : null,
          register_entry_id: entry.id,
          trip_id: holder?.tripId ?? null,
          booking_reference: holder?.bookingReference ?? null,
          participant_id: holder?.participantId ?? null,
          // Everyone the request is about, holder or not (another insurer's policy, several
          // holders): erasing any of their bookings clears what the agent wrote.
          participant_ids: [
            ...new Set([
              ...entry.subjects,
              ...(holder === undefined ? [] : [holder.participantId]),
            ]),
          ].sort(),
          request_sha256: request.requestSha256,
          ...sealedColumns(sealed),
          created_at: request.now,
          erased_at: null,
          alerts_pending: this.alerts.keptWith(request.alertOf(entry)),
        }),
      });
    } catch (error) {
      this.logger.error({
        msg: 'emergency request not answered: the register cannot be written',
        requestId: request.requestId,
        clientId: client.id,
        error: error instanceof Error ? error.name : 'error',
      });
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this request; nothing was released',
      );
    }
  }
}

function recipientOf(contract: Contract, insurerId: string): RegisterEntryInput['recipient'] {
  return { id: insurerId, name: contract.recipient.name, category: contract.recipient.category };
}

/** 429 with the seconds to wait. */
export class RateLimited extends PasserelleError {
  constructor(readonly retryAfterSeconds: number) {
    super('RATE_LIMITED', 'too many emergency requests from this client; retry later');
  }
}
