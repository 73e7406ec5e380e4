import { Controller, Get, Inject, Param, Query, Res } from '@nestjs/common';
import {
  ApiExtraModels,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { ApiErrors } from '../http/openapi-errors.js';
import type { Response } from 'express';
import { renderRecordCsv, renderRecordHtml } from '../../core/register/build-ropa.js';
import type { ControllerConfig } from '../../core/register/controller-config.js';
import type { RegisterEntry } from '../../core/register/register-entry.js';
import { erasuresOf, recipientsToNotify } from '../../core/register/recipients-to-notify.js';
import {
  buildSubjectReport,
  entryForSubject,
  renderSubjectReportHtml,
  restrictionsOf,
} from '../../core/register/subject-report.js';
import { Roles } from '../auth/access.decorators.js';
import { checkParticipantId, PARTICIPANT_ID } from '../shared/participant-id.js';
import type { ApiClient } from '../auth/api-client.js';
import { CurrentClient } from '../auth/current-client.decorator.js';
import { CONTRACT_CATALOG } from '../contracts/contracts.module.js';
import type { ContractCatalog } from '../contracts/load-contract-catalog.js';
import { PasserelleError } from '../shared/passerelle-error.js';
import {
  ListDisclosuresQuery,
  ReportFormatQuery,
  RopaQuery,
} from './dto/list-disclosures.query.js';
import {
  RecordOfProcessingView,
  RegisterEntryPage,
  RegisterEntryView,
  RegisterVerification,
  SubjectRecipientsView,
  SubjectReportView,
} from './dto/register-entry.view.js';
import { recordOfProcessing } from './record-of-processing.js';
import { CONTROLLER_CONFIG } from './register.tokens.js';
import { RegisterService, type Page, type VerifyResult } from './register.service.js';

/** A register entry as the API shows it (interfaces.md): flat, ids and digests only. */
export function entryView(entry: RegisterEntry): Record<string, unknown> {
  return {
    id: entry.id,
    seq: entry.seq,
    event: entry.event,
    occurredAt: entry.occurredAt,
    transmissionId: entry.transmissionId ?? null,
    contractId: entry.contract?.id ?? null,
    contractVersion: entry.contract?.version ?? null,
    contractSha256: entry.contract?.sha256 ?? null,
    recipientId: entry.recipient?.id ?? null,
    recipientName: entry.recipient?.name ?? null,
    recipientCategory: entry.recipient?.category ?? null,
    purpose: entry.purpose ?? null,
    legalBasis: entry.legalBasis ?? null,
    specialCondition: entry.specialCondition ?? null,
    transferCountry: entry.transfer?.country ?? null,
    transferSafeguard: entry.transfer?.safeguard ?? null,
    tripId: entry.tripId ?? null,
    unit: entry.unit ?? null,
    subjects: entry.subjects,
    fields: entry.fields,
    categories: entry.categories,
    withheld: entry.withheld,
    payloadSha256: entry.payload?.sha256 ?? null,
    payloadBytes: entry.payload?.bytes ?? null,
    format: entry.payload?.format ?? null,
    transport: entry.transport?.type ?? null,
    endpointId: entry.transport?.endpointId ?? null,
    actor: entry.actor,
    reason: entry.reason ?? null,
    outcome: entry.outcome,
    detail: entry.detail ?? {},
    prevHash: entry.prevHash,
    hash: entry.hash,
  };
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** Digits beyond the millisecond, not all zero: `.7895`, `.789000001`. */
const BELOW_MILLISECOND = /\.\d{3}\d*[1-9]/;
/**
 * A period bound the DTO let through (`isPeriodBound`): a day at 00:00 UTC, or the instant.
 * Entries are stamped to the millisecond, and `Date` drops the digits beyond it: an instant
 * inside a millisecond stands for the next one, so that an inclusive `from` leaves out, and
 * an exclusive `to` takes in, the entries stamped with the millisecond it falls inside.
 */
function toDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  if (DATE_ONLY.test(value)) return new Date(`${value}T00:00:00Z`);
  const instant = new Date(value);
  return BELOW_MILLISECOND.test(value) ? new Date(instant.getTime() + 1) : instant;
}

const READ_RECORDED =
  'The read is recorded in the register (an `ops-action` naming the reader and the subjects asked for or shown) before the answer leaves.';
const READ_503 = 'REGISTER_UNAVAILABLE: the read could not be recorded; nothing is shown';

/**
 * The register as operations and the DPO use it. Every read appends an `ops-action` entry
 * naming the reader and the subjects asked for or shown — before the answer leaves: if the
 * read cannot be recorded, nothing is shown (503).
 */
@ApiTags('register')
@ApiExtraModels(SubjectReportView, RecordOfProcessingView)
@Roles('ops', 'auditor')
@Controller()
export class RegisterController {
  constructor(
    private readonly register: RegisterService,
    @Inject(CONTRACT_CATALOG) private readonly catalog: ContractCatalog,
    @Inject(CONTROLLER_CONFIG) private readonly controller: ControllerConfig,
  ) {}

  @Get('v1/disclosures')
  @ApiOperation({
    summary: 'The register of disclosures',
    description: `Entries, newest first; following \`nextCursor\` never repeats or skips an entry, even while new ones arrive. ${READ_RECORDED}`,
  })
  @ApiOkResponse({ type: RegisterEntryPage })
  @ApiErrors({
    400: 'BAD_REQUEST: a filter that is not valid, an unknown parameter, a `to` before `from`, a `limit` out of range, or a cursor the API did not issue; details name each parameter and rule',
    503: READ_503,
  })
  async list(
    @Query() query: ListDisclosuresQuery,
    @CurrentClient() client: ApiClient,
  ): Promise<{ items: unknown[]; nextCursor: string | null }> {
    let page: Page<RegisterEntry>;
    try {
      page = await this.register.list(
        {
          ...(query.subjectId === undefined ? {} : { subjectId: query.subjectId }),
          ...(query.recipientId === undefined ? {} : { recipientId: query.recipientId }),
          ...(query.contractId === undefined ? {} : { contractId: query.contractId }),
          ...(query.tripId === undefined ? {} : { tripId: query.tripId }),
          ...(query.transmissionId === undefined ? {} : { transmissionId: query.transmissionId }),
          ...(query.outcome === undefined ? {} : { outcome: query.outcome }),
          ...(query.from === undefined ? {} : { from: toDate(query.from) }),
          ...(query.to === undefined ? {} : { to: toDate(query.to) }),
        },
        query.cursor,
        query.limit ?? 50,
      );
    } catch (error) {
      if (error instanceof RangeError)
        throw new PasserelleError('BAD_REQUEST', 'invalid query', [
          { path: 'cursor', rule: 'not a cursor this API issued' },
        ]);
      throw error;
    }
    const shown = new Set(page.items.flatMap((entry) => entry.subjects));
    if (query.subjectId !== undefined) shown.add(query.subjectId);
    await this.register.recordRead(client, 'GET /v1/disclosures', [...shown], {
      count: page.items.length,
    });
    return { items: page.items.map(entryView), nextCursor: page.nextCursor };
  }

  @Get('v1/disclosures/:id')
  @ApiOperation({ summary: 'One register entry', description: READ_RECORDED })
  @ApiParam({ name: 'id', description: 'the entry’s id', format: 'uuid' })
  @ApiOkResponse({ type: RegisterEntryView })
  @ApiErrors({ 404: 'NOT_FOUND: no register entry with this id', 503: READ_503 })
  async one(
    @Param('id') id: string,
    @CurrentClient() client: ApiClient,
  ): Promise<Record<string, unknown>> {
    const entry = await this.register.byId(id);
    if (entry === undefined)
      throw new PasserelleError('NOT_FOUND', 'no register entry with this id');
    await this.register.recordRead(client, 'GET /v1/disclosures/{id}', entry.subjects, {
      entry: entry.id,
    });
    return entryView(entry);
  }

  @Get('v1/subjects/:participantId/disclosures')
  @ApiOperation({
    summary: 'A data subject’s access report (Art. 15(1)(c))',
    description: `Recipients, dates, purposes, legal bases, categories in plain words, transfers and their safeguards, values withheld; \`format=html\` is a printable page. ${READ_RECORDED}`,
  })
  @ApiParam({
    name: 'participantId',
    description: 'the participant’s id',
    schema: { type: 'string', pattern: PARTICIPANT_ID.source },
  })
  @ApiOkResponse({
    description: 'the report: JSON, or HTML with `format=html`',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(SubjectReportView) } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrors({
    400: 'BAD_REQUEST: a participant id that is not one, a `format` other than json or html, or an unknown parameter',
    503: READ_503,
  })
  async subject(
    @Param('participantId') participantId: string,
    @Query() query: ReportFormatQuery,
    @CurrentClient() client: ApiClient,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    checkParticipantId(participantId);
    const entries = await this.register.aboutSubject(participantId);
    const report = buildSubjectReport(
      participantId,
      entries,
      this.catalog.catalogue,
      this.controller,
      new Date().toISOString(),
      (contractId) => this.catalog.contracts.get(contractId)?.contract.retention,
    );
    // The report shows no one else (`entryForSubject`): the read names the subject alone.
    await this.register.recordRead(
      client,
      'GET /v1/subjects/{participantId}/disclosures',
      [participantId],
      {
        entries: entries.length,
        format: query.format ?? 'json',
      },
    );
    if (query.format === 'html') {
      response.type('html');
      return renderSubjectReportHtml(report);
    }
    return {
      ...report,
      entries: entries.map((entry) =>
        entryView(entryForSubject(entry, participantId, this.catalog.catalogue)),
      ),
    };
  }

  @Get('v1/subjects/:participantId/recipients')
  @ApiOperation({
    summary:
      'The recipients to notify of a data subject’s rectification, erasure or restriction (Art. 19)',
    description: `Every recipient the subject’s data reached (delivered or released), with the contracts, trips, first and last dates and register entries; and the erasures of bookings holding the subject, and the subject’s restrictions of processing put, changed or lifted. Answers after an erasure too: the register keeps ids. ${READ_RECORDED}`,
  })
  @ApiParam({
    name: 'participantId',
    description: 'the participant’s id',
    schema: { type: 'string', pattern: PARTICIPANT_ID.source },
  })
  @ApiOkResponse({ type: SubjectRecipientsView })
  @ApiErrors({
    400: 'BAD_REQUEST: a participant id that is not one, or an unknown parameter',
    503: READ_503,
  })
  async recipients(
    @Param('participantId') participantId: string,
    @CurrentClient() client: ApiClient,
  ): Promise<SubjectRecipientsView> {
    checkParticipantId(participantId);
    const entries = await this.register.aboutSubject(participantId);
    const recipients = recipientsToNotify([participantId], entries);
    await this.register.recordRead(
      client,
      'GET /v1/subjects/{participantId}/recipients',
      [participantId],
      { entries: entries.length, recipients: recipients.length },
    );
    return {
      subjectId: participantId,
      generatedAt: new Date().toISOString(),
      erasures: erasuresOf(participantId, entries),
      restrictions: restrictionsOf(participantId, entries).map((restriction) => ({
        ...restriction,
        exceptions: [...restriction.exceptions],
      })),
      recipients: recipients.map((recipient) => ({
        ...recipient,
        contracts: [...recipient.contracts],
        tripIds: [...recipient.tripIds],
        entryIds: [...recipient.entryIds],
      })),
    };
  }

  @Get('v1/register/ropa')
  @ApiOperation({
    summary: 'The Art. 30 record of processing',
    description: `Controller and DPO, one activity per contract loaded, with what was disclosed under its version in the period, and one per contract version no longer loaded (a contract removed, another version) whose disclosures the register holds for the period, described from its entries (\`status\`). ${READ_RECORDED}`,
  })
  @ApiOkResponse({
    description: 'the record: JSON, CSV or HTML as `format` asks',
    content: {
      'application/json': { schema: { $ref: getSchemaPath(RecordOfProcessingView) } },
      'text/csv': { schema: { type: 'string' } },
      'text/html': { schema: { type: 'string' } },
    },
  })
  @ApiErrors({
    400: 'BAD_REQUEST: a `format` other than json, csv or html, a period bound that is not valid, a `to` before `from`, or an unknown parameter',
    503: READ_503,
  })
  async ropa(
    @Query() query: RopaQuery,
    @CurrentClient() client: ApiClient,
    @Res({ passthrough: true }) response: Response,
  ): Promise<unknown> {
    const from = toDate(query.from);
    const to = toDate(query.to);
    const record = await recordOfProcessing(
      this.catalog,
      this.controller,
      this.register.repository,
      { ...(from === undefined ? {} : { from }), ...(to === undefined ? {} : { to }) },
      new Date(),
    );
    await this.register.recordRead(client, 'GET /v1/register/ropa', [], {
      format: query.format ?? 'json',
    });
    if (query.format === 'csv') {
      response.type('text/csv; charset=utf-8');
      return renderRecordCsv(record);
    }
    if (query.format === 'html') {
      response.type('html');
      return renderRecordHtml(record);
    }
    return record;
  }

  @Get('v1/register/verify')
  @ApiOperation({
    summary: 'Verify the register’s hash chain',
    description:
      'Recomputes every entry’s hash from the last retention anchor to the published head.',
  })
  @ApiOkResponse({ type: RegisterVerification })
  verify(): Promise<VerifyResult> {
    return this.register.verify();
  }
}
