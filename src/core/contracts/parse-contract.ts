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
/**
 * Words left by an author who has not written the purpose yet. The purpose goes into every
 * disclosure, the subject's access report and the Art. 30 record: it must say why.
 */
const PLACEHOLDER = /\b(todo|tbd|tbc|fixme|xxx|lorem ipsum)\b/i;
const purposeSchema = z
  .string()
  .max(1000)
  .refine((purpose) => purpose.trim().length >= 10, {
    error: 'must say what the data is for (at least 10 characters besides spaces)',
  })
  .refine((purpose) => !PLACEHOLDER.test(purpose), {
    error: 'is a placeholder (TODO, TBD, FIXME, XXX, lorem ipsum): say what the data is for',
  });
const durationSchema = z.string().regex(EXACT_DURATION);
const eventSchema = z.enum(SCHEDULE_EVENTS);

/**
 * `{ before: event, offset }`, `{ after: event, offset }` or `{ at: event }`. One object with
 * checks rather than a union of three: a typo (`offest`, `stay.checkin`) is then reported at
 * its key with its rule, not as "invalid input" for the whole schedule.
 */
const momentSchema = z
  .strictObject({
    before: eventSchema.optional(),
    after: eventSchema.optional(),
    at: eventSchema.optional(),
    offset: durationSchema.optional(),
  })
  .superRefine((moment, context) => {
    const anchors = (['before', 'after', 'at'] as const).filter((key) => moment[key] !== undefined);
    if (anchors.length !== 1) {
      context.addIssue({ code: 'custom', message: 'needs exactly one of before, after or at' });
    } else if (anchors[0] === 'at' && moment.offset !== undefined) {
      context.addIssue({ code: 'custom', path: ['offset'], message: 'not with at' });
    } else if (anchors[0] !== 'at' && moment.offset === undefined) {
      context.addIssue({
        code: 'custom',
        path: ['offset'],
        message: `required with ${anchors[0]}`,
      });
    }
  });

/** A planned schedule (`send`, `resend`, `until`) or an on-demand one (`onDemand`), not both. */
const scheduleSchema = z
  .strictObject({
    send: z.array(momentSchema).min(1).optional(),
    resend: z.enum(['on-change', 'never']).optional(),
    until: momentSchema.optional(),
    onDemand: z.strictObject({ from: momentSchema, until: momentSchema }).optional(),
  })
  .superRefine((schedule, context) => {
    if (schedule.onDemand !== undefined) {
      for (const key of ['send', 'resend', 'until'] as const) {
        if (schedule[key] !== undefined)
          context.addIssue({ code: 'custom', path: [key], message: 'not with onDemand' });
      }
      return;
    }
    for (const key of ['send', 'resend'] as const) {
      if (schedule[key] === undefined)
        context.addIssue({ code: 'custom', path: [key], message: 'required (or onDemand)' });
    }
  });

const contractSchema = z.strictObject({
  id: z.string().regex(/^[a-z0-9]+(-[a-z0-9]+)*$/),
  version: z.int().min(1),
  recipient: z.strictObject({
    id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/),
    name: z
      .string()
      .max(200)
      .refine((name) => name.trim() !== '', { error: 'must name the recipient' }),
    category: z.enum(RECIPIENT_CATEGORIES),
    country: z.union([z.literal(FROM_UNIT), alpha3]),
  }),
  purpose: purposeSchema,
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
  schedule: scheduleSchema,
  retention: z.string().regex(RETENTION),
});

type RawMoment = z.infer<typeof momentSchema>;

/** The longest contract text read: the shipped ones are under 4 000 characters. */
export const MAX_CONTRACT_CHARS = 100_000;

/** A moment the schema accepted: exactly one anchor, and an offset exactly when not `at`. */
export function toMoment(raw: RawMoment): ScheduleMoment {
  if (raw.at !== undefined) return { event: raw.at, direction: 'at', offset: 'PT0S' };
  if (raw.before !== undefined)
    return { event: raw.before, direction: 'before', offset: raw.offset ?? 'PT0S' };
  if (raw.after !== undefined)
    return { event: raw.after, direction: 'after', offset: raw.offset ?? 'PT0S' };
  throw new RangeError('a schedule moment needs before, after or at');
}

/**
 * Parses one contract file (YAML text) into a `Contract`. Structural problems come back as
 * errors with the key's path; the rules that need the catalogue, the formats and the
 * endpoints are the linter's (`lintContracts`).
 */
export function parseContract(text: string): Result<Contract> {
  if (text.length > MAX_CONTRACT_CHARS) {
    return fail([
      {
        code: 'CONTRACT_INVALID',
        path: '',
        rule: `longer than ${MAX_CONTRACT_CHARS} characters: a contract is a page, reviewed like code`,
      },
    ]);
  }
  const document = parseDocument(text, { uniqueKeys: true });
  // Warnings are refused too: an unknown tag (`!!js/function`, `!foo`) would otherwise be
  // read as a plain string, so the file would say one thing and the contract be another.
  const yamlProblems = [...document.errors, ...document.warnings];
  if (yamlProblems.length > 0) {
    return fail(
      yamlProblems.map((error): CoreError => ({
        code: 'CONTRACT_INVALID',
        path: `line ${error.linePos?.[0].line ?? 0}`,
        rule: `not valid YAML (${error.code})`,
      })),
    );
  }
  // `%YAML 1.1` turns on merge keys (`<<`, where the keys written beside it silently win
  // over the merged ones), `yes`/`no` booleans and sexagesimal numbers: one dialect only.
  if (document.directives.yaml.version !== '1.2') {
    return fail([
      {
        code: 'CONTRACT_INVALID',
        path: 'line 1',
        rule: 'only YAML 1.2 (remove the %YAML directive)',
      },
    ]);
  }
  let yamlValue: unknown;
  try {
    yamlValue = document.toJS();
  } catch {
    // Aliases that expand without end (a "billion laughs"): a problem, not a crash of the
    // linter or of the gateway's boot.
    return fail([
      { code: 'CONTRACT_INVALID', path: '', rule: 'not valid YAML (too many aliases to expand)' },
    ]);
  }
  const parsed = contractSchema.safeParse(yamlValue);
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
  if (raw.onDemand !== undefined) {
    return {
      kind: 'on-demand',
      from: toMoment(raw.onDemand.from),
      until: toMoment(raw.onDemand.until),
    };
  }
  // The schema required both without onDemand.
  const send = (raw.send ?? []).map(toMoment);
  const [first] = send as [ScheduleMoment, ...ScheduleMoment[]];
  return {
    kind: 'planned',
    send,
    resend: raw.resend ?? 'never',
    // Without `until`, the last moment is the first send's event: a send at or after it
    // could never leave in time, and the linter refuses it (a later `until` is needed).
    until:
      raw.until === undefined
        ? { event: first.event, direction: 'at', offset: 'PT0S' }
        : toMoment(raw.until),
  };
}
