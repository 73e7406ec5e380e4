import {
  applyDecorators,
  Body,
  Controller,
  Get,
  Header,
  HttpCode,
  Inject,
  Param,
  Post,
  Query,
} from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors, BODY_ERRORS } from '../http/openapi-errors.js';
import { payloadDigest } from '../../core/planning/plan-trip.js';
import { deliveryFileName } from '../../core/projection/delivery-file-name.js';
import { categoriesOf } from '../../core/register/disclosure-entry.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import type { TransmissionStatus } from '../../core/planning/reconcile-plan.js';
import { Roles } from '../auth/access.decorators.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import { entryView } from '../register/register.controller.js';
import { RegisterService } from '../register/register.service.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import { isUuid } from '../shared/uuid.js';
import { DispatcherService } from './dispatcher.service.js';
import { ListTransmissionsQuery, OpsActionBody } from './dto/transmission.dto.js';
import {
  TransmissionDetail,
  TransmissionPage,
  TransmissionPreview,
  TransmissionView,
} from './dto/transmission.view.js';
import { TransmissionSender } from './transmission-sender.js';
import { TransmissionsRepository, type Transmission } from './transmissions.repository.js';

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;
/** Digits beyond the millisecond, not all zero: `.7895`, `.789000001`. */
const BELOW_MILLISECOND = /\.\d{3}\d*[1-9]/;
/**
 * A period bound the DTO let through: a day at 00:00 UTC, or the instant. Due times are to the
 * millisecond, and `Date` drops the digits beyond it: an instant inside a millisecond stands
 * for the next one, so that an inclusive `from` leaves out, and an exclusive `to` takes in,
 * the transmissions due at the millisecond it falls inside (as the register's lists do).
 */
function toDate(value: string): Date {
  if (DATE_ONLY.test(value)) return new Date(`${value}T00:00:00Z`);
  const instant = new Date(value);
  return BELOW_MILLISECOND.test(value) ? new Date(instant.getTime() + 1) : instant;
}

/** A due time as the cursor carries it: `toISOString`'s form, years 0001 to 9999. */
const CURSOR_INSTANT = /^(?!0000)\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

const encodeCursor = (t: Transmission): string =>
  Buffer.from(JSON.stringify([t.dueAt, t.id])).toString('base64url');
/**
 * A cursor as `encodeCursor` writes it, or `undefined`: exactly a due time written as
 * `toISOString` writes it and a UUID. Any text `Date` could read let through `"0"` (the year
 * 2000) and `-271821-04-20T00:00:00.000Z`, which PostgreSQL then refused (a 500).
 */
function decodeCursor(cursor: string): { dueAt: Date; id: string } | undefined {
  try {
    const value: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(value) || value.length !== 2) return undefined;
    const [time, id] = value as unknown[];
    if (typeof time !== 'string' || typeof id !== 'string' || !CURSOR_INSTANT.test(time))
      return undefined;
    const dueAt = new Date(time);
    return Number.isNaN(dueAt.getTime()) || dueAt.toISOString() !== time || !isUuid(id)
      ? undefined
      : { dueAt, id };
  } catch {
    return undefined;
  }
}

/**
 * Operations' view of the plan: what will leave, when, to whom; what each would send now
 * (the view itself recorded); and the few actions they may take — send now, hold, release —
 * each recorded in the register with their name and reason.
 */
const TRANSMISSION_ID = {
  name: 'id',
  description: 'the transmission’s id',
  format: 'uuid',
} as const;

/** The documentation shared by the operators' actions: body, answer, refusals. */
const OpsAction = (): MethodDecorator =>
  applyDecorators(
    ApiParam(TRANSMISSION_ID),
    ApiOkResponse({ type: TransmissionView, description: 'the transmission after the action' }),
    ApiErrors({
      400: 'BAD_REQUEST: no `reason`, or one shorter than 3 or longer than 500 characters (trimmed) or with control or text-direction characters, an unknown property, or a body that is not valid JSON',
      404: 'NOT_FOUND: no transmission with this id',
      409: 'NOT_PENDING: the action does not apply to the transmission’s status (or, for send-now, its last moment has passed); nothing changed',
      ...BODY_ERRORS,
      503: 'REGISTER_UNAVAILABLE: the action could not be recorded; nothing changed',
    }),
  );

@ApiTags('transmissions')
@Roles('ops')
@Controller('v1/transmissions')
export class TransmissionsController {
  constructor(
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    private readonly repository: TransmissionsRepository,
    private readonly register: RegisterService,
    private readonly sender: TransmissionSender,
    private readonly dispatcher: DispatcherService,
  ) {}

  @Get()
  @ApiOperation({
    summary: 'List transmissions',
    description: 'Planned, due, sent, failed… transmissions, by due time, a page at a time.',
  })
  @ApiOkResponse({ type: TransmissionPage })
  @ApiErrors({
    400: 'BAD_REQUEST: a filter that is not valid, an unknown parameter, a `to` before `from`, a `limit` out of range, or a cursor the API did not issue; details name each parameter and rule',
  })
  async list(
    @Query() query: ListTransmissionsQuery,
  ): Promise<{ items: Transmission[]; nextCursor: string | null }> {
    const after = query.cursor === undefined ? undefined : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === undefined) {
      throw new PasserelleError('BAD_REQUEST', 'invalid query', [
        { path: 'cursor', rule: 'not a cursor this API issued' },
      ]);
    }
    const limit = query.limit ?? 50;
    const rows = await this.repository.list(
      {
        ...(query.tripId === undefined ? {} : { tripId: query.tripId }),
        ...(query.contractId === undefined ? {} : { contractId: query.contractId }),
        ...(query.status === undefined ? {} : { status: query.status as TransmissionStatus }),
        ...(query.from === undefined ? {} : { from: toDate(query.from) }),
        ...(query.to === undefined ? {} : { to: toDate(query.to) }),
      },
      after,
      limit + 1,
    );
    const items = rows.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items,
      nextCursor: rows.length > limit && last !== undefined ? encodeCursor(last) : null,
    };
  }

  /** One transmission with its register entries: a read of the register, recorded as such. */
  @Get(':id')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'One transmission, with its register entries',
    description: 'A read of the register: recorded (an `ops-action` naming the reader).',
  })
  @ApiParam(TRANSMISSION_ID)
  @ApiOkResponse({ type: TransmissionDetail })
  @ApiErrors({
    404: 'NOT_FOUND: no transmission with this id',
    503: 'REGISTER_UNAVAILABLE: the read could not be recorded; nothing is shown',
  })
  async one(
    @Param('id') id: string,
    @CurrentClient() client: ApiClient,
  ): Promise<Transmission & { registerEntries: unknown[] }> {
    const transmission = await this.found(id);
    const entries = await this.register.list({ transmissionId: id }, undefined, 200);
    // Named in the detail, not as the transmission's own: a read is not one of its events.
    await this.register.recordRead(
      client,
      'GET /v1/transmissions/{id}',
      [...new Set(entries.items.flatMap((entry) => entry.subjects))].sort(),
      { transmission: id, entries: entries.items.length },
    );
    return { ...transmission, registerEntries: entries.items.map(entryView) };
  }

  /** What it would send now: the payload and its summary. The view is recorded. */
  @Get(':id/preview')
  @Header('Cache-Control', 'no-store')
  @ApiOperation({
    summary: 'What a transmission would send now',
    description:
      'The files and a summary (subjects, fields, withheld, errors), rendered from the current data — for a transmission already delivered, `summary.sameAsDelivered` says whether that is what left; the view is recorded (`preview-viewed`).',
  })
  @ApiParam(TRANSMISSION_ID)
  @ApiOkResponse({ type: TransmissionPreview })
  @ApiErrors({
    404: 'NOT_FOUND: no transmission with this id, or its contract or its unit no longer exists',
    503: 'REGISTER_UNAVAILABLE: the view could not be recorded; nothing is shown',
  })
  async preview(@Param('id') id: string, @CurrentClient() client: ApiClient): Promise<unknown> {
    const transmission = await this.found(id);
    const rendered = await this.sender.render(transmission, new Date());
    if (rendered === undefined)
      throw new PasserelleError(
        'NOT_FOUND',
        'the contract or the unit of this transmission no longer exists',
      );
    const { loaded, unit } = rendered;
    try {
      await this.register.append({
        event: 'preview-viewed',
        transmissionId: transmission.id,
        // The contract it was rendered under and the categories shown: a DPO can find the
        // previews of a contract, or of special-category data, as the disclosures.
        contract: {
          id: loaded.contract.id,
          version: loaded.contract.version,
          sha256: loaded.sha256,
        },
        tripId: transmission.tripId,
        unit: unit.unit.key,
        subjects: unit.subjects,
        fields: unit.payload.fields,
        categories: categoriesOf(unit.payload.fields, this.catalog.catalogue),
        withheld: unit.withheld,
        actor: { kind: 'client', id: client.id },
        reason: 'transmission preview',
      });
    } catch {
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this view; nothing is shown',
      );
    }
    // The digest of what it would send now, as the plan and the sender take it: for one
    // already delivered, whether this is what left.
    const digest = payloadDigest(unit.payload);
    return {
      transmission,
      summary: {
        contract: transmission.contractId,
        unit: unit.unit.key,
        recipient: unit.recipient.id,
        subjects: unit.subjects,
        fields: unit.payload.fields,
        withheld: unit.withheld,
        errors: unit.errors,
        digest,
        sameAsDelivered:
          transmission.deliveredDigest === null ? null : transmission.deliveredDigest === digest,
      },
      files: unit.files.map((file) => ({
        // The name the recipient would receive it under, as the sender names it.
        name: deliveryFileName(loaded.contract, unit.unit, transmission.id, file.suffix),
        suffix: file.suffix,
        mediaType: file.mediaType,
        content: file.content,
      })),
    };
  }

  @Post(':id/send-now')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Send a transmission now',
    description:
      'A planned, held or failed transmission falls due now — before its last moment only: past it, nothing is sent (409). Recorded in the register (`ops-action`) with the client and the reason, in the same transaction.',
  })
  @OpsAction()
  sendNow(
    @Param('id') id: string,
    @Body() body: OpsActionBody,
    @CurrentClient() client: ApiClient,
  ): Promise<Transmission> {
    return this.act(id, 'send-now', body.reason, client);
  }

  @Post(':id/hold')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Hold a transmission',
    description:
      'A planned transmission waits (`held`) until released; its last moment still applies. Recorded in the register (`ops-action`) with the client and the reason, in the same transaction.',
  })
  @OpsAction()
  hold(
    @Param('id') id: string,
    @Body() body: OpsActionBody,
    @CurrentClient() client: ApiClient,
  ): Promise<Transmission> {
    return this.act(id, 'hold', body.reason, client);
  }

  @Post(':id/release')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Release a held transmission',
    description:
      'A held transmission is planned again. Recorded in the register (`ops-action`) with the client and the reason, in the same transaction.',
  })
  @OpsAction()
  release(
    @Param('id') id: string,
    @Body() body: OpsActionBody,
    @CurrentClient() client: ApiClient,
  ): Promise<Transmission> {
    return this.act(id, 'release', body.reason, client);
  }

  private async found(id: string): Promise<Transmission> {
    const transmission = await this.repository.byId(id);
    if (transmission === undefined)
      throw new PasserelleError('NOT_FOUND', 'no transmission with this id');
    return transmission;
  }

  /**
   * The action and its `ops-action` entry are committed together, or neither: a hold or a
   * send-now never happens without the register saying who asked and why (503 when the
   * register cannot be written, and nothing changed).
   */
  private async act(
    id: string,
    action: 'send-now' | 'hold' | 'release',
    reason: string,
    client: ApiClient,
  ): Promise<Transmission> {
    await this.found(id);
    let done: { readonly after: Transmission } | undefined;
    try {
      ({ result: done } = await this.register.appendAfter(async (trx) => {
        const operated = await this.repository.operate(id, action, new Date(), trx);
        if (operated === undefined) return { inputs: [], result: undefined };
        const { before, after } = operated;
        return {
          inputs: [
            {
              event: 'ops-action',
              transmissionId: id,
              tripId: after.tripId,
              subjects: [],
              fields: [],
              categories: [],
              withheld: [],
              actor: { kind: 'client', id: client.id },
              reason,
              detail: { action, from: before, to: after.status },
            },
          ],
          result: { after },
        };
      }));
    } catch {
      throw new PasserelleError(
        'REGISTER_UNAVAILABLE',
        'the register cannot record this action; nothing was changed',
      );
    }
    if (done === undefined) {
      const { status, deadline } = await this.found(id);
      const late = action === 'send-now' && Date.parse(deadline) <= Date.now();
      throw new PasserelleError(
        'NOT_PENDING',
        `this transmission is ${status}${late ? ' and its last moment has passed' : ''}: ${action} does not apply to it`,
      );
    }
    if (action === 'send-now') void this.dispatcher.tick();
    return done.after;
  }
}
