import { parseDocument } from 'yaml';
import { z } from 'zod';
import { UNIT_KINDS } from '../fields/field-readers.js';
import { CONSENT_FLAGS, PARTICIPANT_ROLES } from '../model/booking.js';
import { schemaIssuesToErrors } from '../shared/path.js';
import { fail, ok, type CoreError, type Result } from '../shared/result.js';
import {
  FROM_UNIT,
  LEGAL_BASES,
  RECIPIENT_CATEGORIES,
  SCHEDULE_EVENTS,
  SPECIAL_CATEGORY_CONDITIONS,
  TRANSFER_SAFEGUARDS,
  TRANSPORT_TYPES,
  type Contract,
  type Schedule,
  type ScheduleMoment,
} from './contract.js';

/** ISO 8601 durations in days, weeks, hours, minutes and seconds — exact lengths only. */
export const EXACT_DURATION = /^P(?=\d|T\d)(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;
/** Retention as shown to recipients and in the Art. 30 export, e.g. `P30D after stay.checkOut`. */
const RETENTION =
  /^P(?=\d|T\d)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)? after [a-z]+\.[A-Za-z]+$/;

const alpha3 = z.string().regex(/^[A-Z]{3}$/);
const durationSchema = z.string().regex(EXACT_DURATION);
const eventSchema = z.enum(SCHEDULE_EVENTS);

const momentSchema = z.union([
  z.strictObject({ before: eventSchema, offset: durationSchema }),
  z.strictObject({ after: eventSchema, offset: durationSchema }),
  z.strictObject({ at: eventSchema }),
]);

const contractSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  version: z.int().min(1),
  recipient: z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    name: z.string().min(1).max(200),
    category: z.enum(RECIPIENT_CATEGORIES),
    country: z.union([z.literal(FROM_UNIT), alpha3]),
  }),
  purpose: z.string().min(10).max(1000),
  legalBasis: z.enum(LEGAL_BASES),
  specialCategories: z
    .union([
      z.strictObject({
        condition: z.enum(SPECIAL_CATEGORY_CONDITIONS),
        categories: z.array(z.string()).min(1).optional(),
        consentFlag: z.enum(CONSENT_FLAGS).optional(),
      }),
      z
        .array(
          z.strictObject({
            condition: z.enum(SPECIAL_CATEGORY_CONDITIONS),
            categories: z.array(z.string()).min(1),
            consentFlag: z.enum(CONSENT_FLAGS).optional(),
          }),
        )
        .min(1),
    ])
    .optional(),
  transfer: z
    .strictObject({ safeguard: z.enum(TRANSFER_SAFEGUARDS), note: z.string().max(500).optional() })
    .optional(),
  unit: z.enum(UNIT_KINDS),
  scope: z
    .strictObject({
      roles: z.array(z.enum(PARTICIPANT_ROLES)).min(1).optional(),
      flightsTouching: z.array(alpha3).min(1).optional(),
      domesticFlights: z.enum(['include', 'exclude']).optional(),
      insuredBy: z.literal('recipient').optional(),
    })
    .refine((scope) => scope.domesticFlights === undefined || scope.flightsTouching !== undefined, {
      path: ['domesticFlights'],
      error: 'only with flightsTouching',
    })
    .optional(),
  fields: z.array(z.string()).min(1),
  format: z.strictObject({
    type: z.string().regex(/^[a-z0-9-]+$/),
    options: z.record(z.string(), z.unknown()).optional(),
  }),
  transport: z.strictObject({
    type: z.enum(TRANSPORT_TYPES),
    maxAttempts: z.int().min(1).max(20).optional(),
    endpoint: z
      .string()
      .regex(/^[a-z0-9-]+$/)
      .optional(),
  }),
  schedule: z.union([
    z.strictObject({
      send: z.array(momentSchema).min(1),
      resend: z.enum(['on-change', 'never']),
      until: momentSchema.optional(),
    }),
    z.strictObject({
      onDemand: z.strictObject({ from: momentSchema, until: momentSchema }),
    }),
  ]),
  retention: z.string().regex(RETENTION),
});

type RawMoment = z.infer<typeof momentSchema>;

export function toMoment(raw: RawMoment): ScheduleMoment {
  if ('at' in raw) return { event: raw.at, direction: 'at', offset: 'PT0S' };
  if ('before' in raw) return { event: raw.before, direction: 'before', offset: raw.offset };
  return { event: raw.after, direction: 'after', offset: raw.offset };
}

/**
 * Parses one contract file (YAML text) into a `Contract`. Structural problems come back as
 * errors with the key's path; the rules that need the catalogue, the formats and the
 * endpoints are the linter's (`lintContracts`).
 */
export function parseContract(text: string): Result<Contract> {
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return fail(
      document.errors.map((error): CoreError => ({
        code: 'CONTRACT_INVALID',
        path: `line ${error.linePos?.[0].line ?? 0}`,
        rule: `not valid YAML (${error.code})`,
      })),
    );
  }
  const parsed = contractSchema.safeParse(document.toJS());
  if (!parsed.success) return fail(schemaIssuesToErrors(parsed.error.issues, 'CONTRACT_INVALID'));
  const raw = parsed.data;
  const special = raw.specialCategories;
  return ok({
    id: raw.id,
    version: raw.version,
    recipient: raw.recipient,
    purpose: raw.purpose,
    legalBasis: raw.legalBasis,
    specialCategories: special === undefined ? [] : Array.isArray(special) ? special : [special],
    ...(raw.transfer === undefined ? {} : { transfer: raw.transfer }),
    unit: raw.unit,
    scope: {
      roles: raw.scope?.roles ?? ['participant', 'leader', 'staff'],
      ...(raw.scope?.flightsTouching === undefined
        ? {}
        : { flightsTouching: raw.scope.flightsTouching }),
      ...(raw.scope?.domesticFlights === undefined
        ? {}
        : { domesticFlights: raw.scope.domesticFlights }),
      ...(raw.scope?.insuredBy === undefined ? {} : { insuredBy: raw.scope.insuredBy }),
    },
    fields: raw.fields,
    format: { type: raw.format.type, options: raw.format.options ?? {} },
    transport: raw.transport,
    schedule: toSchedule(raw.schedule),
    retention: raw.retention,
  });
}

function toSchedule(raw: z.infer<typeof contractSchema>['schedule']): Schedule {
  if ('onDemand' in raw) {
    return {
      kind: 'on-demand',
      from: toMoment(raw.onDemand.from),
      until: toMoment(raw.onDemand.until),
    };
  }
  const send = raw.send.map(toMoment);
  const [first] = send as [ScheduleMoment, ...ScheduleMoment[]];
  return {
    kind: 'planned',
    send,
    resend: raw.resend,
    // Without `until`, the last moment is the first send's event: a send at or after it
    // could never leave in time, and the linter refuses it (a later `until` is needed).
    until:
      raw.until === undefined
        ? { event: first.event, direction: 'at', offset: 'PT0S' }
        : toMoment(raw.until),
  };
}
