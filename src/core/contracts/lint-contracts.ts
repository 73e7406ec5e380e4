import type { FieldCatalogue } from '../fields/field-catalogue.js';
import { unitsOfField } from '../fields/field-readers.js';
import { ANY_DISCLOSABLE_FIELD, type FormatRegistry } from '../formats/payload-format.js';
import { CONSENT_FLAGS, type ConsentFlag } from '../model/booking.js';
import { isInEea } from '../model/countries.js';
import type { CoreError } from '../shared/result.js';
import {
  FROM_UNIT,
  SPECIAL_CATEGORY_ARTICLE,
  type Contract,
  type ScheduleEvent,
  type ScheduleMoment,
  type SpecialCategoryCondition,
} from './contract.js';
import { durationMs, signedOffsetMs } from './schedule-moments.js';
import type { EndpointCatalogue } from './endpoints.js';
import { parseContract } from './parse-contract.js';

export interface LintContext {
  readonly catalogue: FieldCatalogue;
  readonly formats: FormatRegistry;
  readonly endpoints: EndpointCatalogue;
}

export interface ContractSource {
  /** Shown in every problem, e.g. `contracts/us-apis.yaml`. */
  readonly file: string;
  readonly text: string;
}

/** One line of `passerelle contracts lint`: `file: key: rule`. */
export interface ContractProblem extends CoreError {
  readonly file: string;
}

export interface LintedContract {
  readonly contract: Contract;
  readonly file: string;
}

export interface LintResult {
  /** The contracts that parsed and passed every rule, by id. */
  readonly contracts: ReadonlyMap<string, LintedContract>;
  readonly problems: readonly ContractProblem[];
}

export const formatProblem = (problem: ContractProblem): string =>
  `${problem.file}: ${problem.path === '' ? '(file)' : problem.path}: ${problem.rule}`;

/** Parses and lints every contract; a contract with any problem is left out of `contracts`. */
export function lintContracts(
  sources: readonly ContractSource[],
  context: LintContext,
): LintResult {
  const contracts = new Map<string, LintedContract>();
  const problems: ContractProblem[] = [];
  const seen = new Map<string, string>();
  for (const source of sources) {
    const parsed = parseContract(source.text);
    if (!parsed.ok) {
      problems.push(...parsed.errors.map((error) => ({ ...error, file: source.file })));
      continue;
    }
    const contract = parsed.value;
    const errors = [...lintContract(contract, context)];
    const earlier = seen.get(contract.id);
    if (earlier !== undefined) {
      errors.push(
        problem('DUPLICATE_CONTRACT', 'id', `duplicate contract id (also in ${earlier})`),
      );
    }
    seen.set(contract.id, source.file);
    if (errors.length > 0)
      problems.push(...errors.map((error) => ({ ...error, file: source.file })));
    else contracts.set(contract.id, { contract, file: source.file });
  }
  return { contracts, problems };
}

const problem = (code: string, path: string, rule: string): CoreError => ({ code, path, rule });

/**
 * The special categories each recorded consent may lift the Art. 9 ban for. A consent is
 * specific (Art. 4(11), 9(2)(a)): agreeing to share one's assistance needs is no agreement
 * to share a meal code, which can reveal religion. A flag not listed for a category never
 * gates it; a special category no flag lists cannot rest on explicit consent at all.
 * `Record<ConsentFlag, …>`: a new flag does not compile until it says what it covers.
 */
export const CONSENT_FLAG_CATEGORIES: Readonly<Record<ConsentFlag, readonly string[]>> = {
  shareMealWithProviders: ['meal'],
  shareAssistanceWithProviders: ['assistance'],
  shareHealthWithInsurer: ['health'],
  // Image and voice never leave (rule 4): these consents gate nothing a contract can send.
  image: [],
  voice: [],
};

/**
 * The special categories each Art. 9(2) condition can lift the ban for, in a disclosure to a
 * recipient: `any`, or a list. `not-for-profit-body` (9(2)(d)) covers a body's dealings with
 * its own members, the data "not disclosed outside that body without the consent of the
 * data subjects"; `made-public` (9(2)(e)) data the person manifestly made public, which a
 * booking is not: neither ever covers a disclosure. Medical care and public health (9(2)(h),
 * (i)) concern health: a meal code, which can reveal religion, does not rest on them. Where a
 * condition applies, the projection releases the values of every participant in scope.
 */
export const CONDITION_CATEGORIES: Readonly<
  Record<SpecialCategoryCondition, 'any' | readonly string[]>
> = {
  'explicit-consent': 'any', // narrowed by its consent flag (CONSENT_FLAG_CATEGORIES)
  'employment-social-protection': 'any',
  'vital-interests': 'any', // on demand only (rule 6)
  'not-for-profit-body': [],
  'made-public': [],
  'legal-claims': 'any',
  'substantial-public-interest': 'any',
  'health-care': ['health', 'assistance'],
  'public-health': ['health', 'assistance'],
  'archiving-research': 'any',
};

/**
 * The longest schedule offset: no transmission is planned further than this from its
 * event, and an offset no date can hold (P99999999999D) would break planning at runtime.
 */
export const MAX_SCHEDULE_OFFSET = 'P3653D';
const MAX_SCHEDULE_OFFSET_MS = durationMs(MAX_SCHEDULE_OFFSET);

/** The six rules of contracts.md, plus the consistency checks a reviewer would make. */
export function lintContract(contract: Contract, context: LintContext): CoreError[] {
  return [
    ...checkFieldsExist(contract, context), // rule 1
    ...checkNecessity(contract, context), // rule 2
    ...checkSpecialCategories(contract, context), // rule 3
    ...checkNeverLeaving(contract, context), // rule 4
    ...checkTransfer(contract), // rule 5
    ...checkVitalInterests(contract), // rule 6
    ...checkRecipientAndScope(contract),
    ...checkTransport(contract, context),
    ...checkSchedule(contract),
    ...checkRetention(contract),
  ];
}

function checkFieldsExist(contract: Contract, { catalogue }: LintContext): CoreError[] {
  const errors: CoreError[] = [];
  const seen = new Set<string>();
  contract.fields.forEach((id, index) => {
    if (!catalogue.fields.has(id)) {
      errors.push(
        problem(
          'UNKNOWN_FIELD',
          `fields[${index}]`,
          `unknown field ${id} (not in config/fields.yaml)`,
        ),
      );
    }
    if (seen.has(id))
      errors.push(problem('DUPLICATE_FIELD', `fields[${index}]`, `${id} is listed twice`));
    seen.add(id);
  });
  return errors;
}

function checkNecessity(contract: Contract, { catalogue, formats }: LintContext): CoreError[] {
  const format = formats.get(contract.format.type);
  if (format === undefined) {
    return [
      problem(
        'UNKNOWN_FORMAT',
        'format.type',
        `unknown format (known: ${[...formats.keys()].join(', ')})`,
      ),
    ];
  }
  const options = format.parseOptions(contract.format.options);
  if (!options.ok) {
    return options.errors.map((error) =>
      problem(
        'FORMAT_OPTIONS_INVALID',
        `format.options${error.path === '' ? '' : `.${error.path}`}`,
        error.rule,
      ),
    );
  }
  const errors: CoreError[] = [];
  if (!format.units.includes(contract.unit)) {
    errors.push(
      problem(
        'UNIT_NOT_SUPPORTED',
        'unit',
        `the ${format.type} format renders ${format.units.join(' or ')} units`,
      ),
    );
  }
  const emits = format.emits(options.value);
  contract.fields.forEach((id, index) => {
    const field = catalogue.fields.get(id);
    if (!field?.disclosable) return; // rules 1 and 4
    if (emits !== ANY_DISCLOSABLE_FIELD && !emits.includes(id)) {
      errors.push(
        problem(
          'UNNECESSARY_FIELD',
          `fields[${index}]`,
          `unnecessary field ${id}: the ${format.type} format never emits it`,
        ),
      );
    }
    if (!unitsOfField(id).includes(contract.unit)) {
      errors.push(
        problem(
          'UNNECESSARY_FIELD',
          `fields[${index}]`,
          `unnecessary field ${id}: it has no value in a ${contract.unit} unit`,
        ),
      );
    }
  });
  for (const id of format.requires(options.value)) {
    if (!contract.fields.includes(id)) {
      errors.push(
        problem('REQUIRED_FIELD_MISSING', 'fields', `the ${format.type} format requires ${id}`),
      );
    }
  }
  return errors;
}

function checkSpecialCategories(contract: Contract, { catalogue }: LintContext): CoreError[] {
  const errors: CoreError[] = [];
  const specialCategories = new Set<string>();
  for (const id of contract.fields) {
    const field = catalogue.fields.get(id);
    if (field?.special && field.disclosable) specialCategories.add(field.category);
  }
  const rules = contract.specialCategories;
  if (specialCategories.size > 0 && rules.length === 0) {
    return [
      problem(
        'SPECIAL_CATEGORY_WITHOUT_CONDITION',
        'specialCategories',
        `required: the contract lists special-category data (${[...specialCategories].sort().join(', ')}) and needs an Art. 9(2) condition`,
      ),
    ];
  }
  const covered = new Map<string, number>();
  rules.forEach((rule, index) => {
    const path =
      rules.length === 1 && rule.categories === undefined
        ? 'specialCategories'
        : `specialCategories[${index}]`;
    if (rule.condition === 'explicit-consent' && rule.consentFlag === undefined) {
      errors.push(
        problem(
          'CONSENT_FLAG_MISSING',
          `${path}.consentFlag`,
          'required when the condition is explicit-consent',
        ),
      );
    }
    if (rule.condition !== 'explicit-consent' && rule.consentFlag !== undefined) {
      errors.push(
        problem(
          'CONSENT_FLAG_UNUSED',
          `${path}.consentFlag`,
          `only meaningful with explicit-consent, not ${rule.condition}`,
        ),
      );
    }
    const categories = rule.categories ?? [...specialCategories];
    if (rule.condition === 'explicit-consent' && rule.consentFlag !== undefined) {
      const gated = CONSENT_FLAG_CATEGORIES[rule.consentFlag];
      for (const category of categories) {
        if (catalogue.categories.get(category)?.special !== true || gated.includes(category))
          continue;
        const fitting = CONSENT_FLAGS.filter((flag) =>
          CONSENT_FLAG_CATEGORIES[flag].includes(category),
        );
        errors.push(
          problem(
            'CONSENT_FLAG_MISMATCH',
            `${path}.consentFlag`,
            fitting.length === 0
              ? `${rule.consentFlag} is not a consent to share ${category}: no recorded consent covers it, so it cannot rest on explicit-consent`
              : `${rule.consentFlag} is not a consent to share ${category}: use ${fitting.join(' or ')}, in a rule of its own`,
          ),
        );
      }
    }
    const applies = CONDITION_CATEGORIES[rule.condition];
    if (applies !== 'any') {
      const article = SPECIAL_CATEGORY_ARTICLE[rule.condition];
      if (applies.length === 0) {
        errors.push(
          problem(
            'CONDITION_NOT_APPLICABLE',
            `${path}.condition`,
            `${rule.condition} (${article}) never covers a disclosure to a recipient: use explicit-consent`,
          ),
        );
      } else {
        for (const category of categories) {
          if (catalogue.categories.get(category)?.special !== true || applies.includes(category))
            continue;
          errors.push(
            problem(
              'CONDITION_NOT_APPLICABLE',
              `${path}.condition`,
              `${rule.condition} (${article}) does not cover ${category}: it covers ${applies.join(' and ')} only`,
            ),
          );
        }
      }
    }
    if (categories.length === 0) {
      errors.push(
        problem('UNNECESSARY_CONDITION', path, 'the contract lists no special-category field'),
      );
    }
    categories.forEach((category, categoryIndex) => {
      const known = catalogue.categories.get(category);
      const categoryPath = `${path}.categories[${categoryIndex}]`;
      if (!known?.special) {
        errors.push(
          problem('NOT_SPECIAL_CATEGORY', categoryPath, `${category} is not a special category`),
        );
      } else if (!specialCategories.has(category)) {
        errors.push(
          problem(
            'UNNECESSARY_CONDITION',
            categoryPath,
            `no listed field is in category ${category}`,
          ),
        );
      } else if (covered.has(category)) {
        errors.push(
          problem(
            'DUPLICATE_CONDITION',
            categoryPath,
            `${category} is already covered by specialCategories[${covered.get(category) ?? 0}]`,
          ),
        );
      }
      covered.set(category, index);
    });
  });
  for (const category of specialCategories) {
    if (rules.length > 0 && !covered.has(category)) {
      errors.push(
        problem(
          'SPECIAL_CATEGORY_WITHOUT_CONDITION',
          'specialCategories',
          `no condition covers category ${category}`,
        ),
      );
    }
  }
  return errors;
}

function checkNeverLeaving(contract: Contract, { catalogue }: LintContext): CoreError[] {
  return contract.fields.flatMap((id, index) =>
    catalogue.fields.get(id)?.disclosable === false
      ? [problem('FIELD_NEVER_LEAVES', `fields[${index}]`, `${id} never leaves Passerelle`)]
      : [],
  );
}

function checkTransfer(contract: Contract): CoreError[] {
  const { id, country } = contract.recipient;
  // A recipient taken from the unit (the flight's carrier, the stay's hotel, the insurer) is
  // whoever the trip books: it may be outside the EEA whatever country the contract writes.
  const mayLeaveEea = id === FROM_UNIT || country === FROM_UNIT || !isInEea(country);
  if (mayLeaveEea && contract.transfer === undefined) {
    const why =
      country === FROM_UNIT
        ? 'the recipient country comes from the unit and may be outside the EEA'
        : id === FROM_UNIT
          ? 'the recipient comes from the unit (recipient.id from-unit) and may be outside the EEA'
          : `${country} is outside the EEA`;
    return [problem('TRANSFER_WITHOUT_SAFEGUARD', 'transfer.safeguard', `required: ${why}`)];
  }
  return [];
}

function checkVitalInterests(contract: Contract): CoreError[] {
  if (contract.transport.type === 'api-response') return [];
  const errors: CoreError[] = [];
  if (contract.legalBasis === 'vital-interests') {
    errors.push(
      problem(
        'VITAL_INTERESTS_SCHEDULED',
        'legalBasis',
        'vital-interests is allowed only for on-demand release (transport api-response)',
      ),
    );
  }
  contract.specialCategories.forEach((rule, index) => {
    if (rule.condition === 'vital-interests') {
      errors.push(
        problem(
          'VITAL_INTERESTS_SCHEDULED',
          `specialCategories[${index}].condition`,
          'vital-interests is allowed only for on-demand release (transport api-response)',
        ),
      );
    }
  });
  if (contract.transfer?.safeguard === 'art49-vital-interests') {
    errors.push(
      problem(
        'VITAL_INTERESTS_SCHEDULED',
        'transfer.safeguard',
        'art49-vital-interests is allowed only for on-demand release (transport api-response)',
      ),
    );
  }
  return errors;
}

function checkRecipientAndScope(contract: Contract): CoreError[] {
  const errors: CoreError[] = [];
  const { recipient, scope, unit } = contract;
  if (scope.flightsTouching !== undefined && unit !== 'flight') {
    errors.push(problem('SCOPE_INVALID', 'scope.flightsTouching', 'only for flight units'));
  }
  if (scope.insuredBy !== undefined && recipient.category !== 'insurer') {
    errors.push(problem('SCOPE_INVALID', 'scope.insuredBy', 'only for insurer recipients'));
  }
  if (scope.insuredBy === 'recipient' && recipient.id !== FROM_UNIT) {
    // The unit is split per insurer; a fixed id would address every insurer's list to one.
    errors.push(
      problem(
        'RECIPIENT_INVALID',
        'recipient.id',
        'must be from-unit with scope.insuredBy: recipient: each insurer gets only its own insured participants',
      ),
    );
  }
  if (recipient.id === FROM_UNIT && recipient.country !== FROM_UNIT) {
    // The unit decides who the recipient is, so it decides where: a fixed country would be
    // recorded in the register for every carrier, hotel or insurer, wherever it is.
    errors.push(
      problem(
        'RECIPIENT_INVALID',
        'recipient.country',
        'must be from-unit when recipient.id is from-unit: the recipient, and so its country, comes from the unit',
      ),
    );
  }
  if (
    recipient.id !== FROM_UNIT &&
    (recipient.category === 'hotel' || recipient.category === 'airline')
  ) {
    // No scope narrows a unit to one hotel or one carrier: a fixed hotel would receive the
    // rooming list of every stay of every trip, at whatever hotel, a fixed airline the
    // passengers of every flight, whoever operates it.
    errors.push(
      problem(
        'RECIPIENT_INVALID',
        'recipient.id',
        `must be from-unit for ${recipient.category === 'hotel' ? 'a hotel: each hotel gets only the guests of its own stays' : 'an airline: each carrier gets only the passengers of its own flights'}`,
      ),
    );
  }
  if (recipient.category === 'insurer' && scope.insuredBy === undefined) {
    errors.push(
      problem(
        'SCOPE_INVALID',
        'scope.insuredBy',
        'required for insurer recipients: an insurer gets only its own insured participants',
      ),
    );
  }
  if (recipient.id === FROM_UNIT) {
    const fromUnit =
      scope.insuredBy !== undefined ||
      (unit === 'flight' && recipient.category === 'airline') ||
      (unit === 'stay' && recipient.category === 'hotel');
    if (!fromUnit) {
      errors.push(
        problem(
          'RECIPIENT_INVALID',
          'recipient.id',
          'from-unit means the carrier of a flight unit (airline), the hotel of a stay unit (hotel) or the insurer (scope.insuredBy)',
        ),
      );
    }
  }
  return errors;
}

function checkTransport(contract: Contract, { endpoints }: LintContext): CoreError[] {
  const { type, endpoint } = contract.transport;
  if (type === 'outbox' || type === 'api-response') {
    const errors =
      endpoint === undefined
        ? []
        : [
            problem(
              'TRANSPORT_INVALID',
              'transport.endpoint',
              `a ${type} transport has no endpoint`,
            ),
          ];
    if (type === 'api-response' && contract.transport.maxAttempts !== undefined) {
      errors.push(
        problem(
          'TRANSPORT_INVALID',
          'transport.maxAttempts',
          'an api-response is answered once, never retried',
        ),
      );
    }
    return errors;
  }
  if (endpoint === undefined)
    return [problem('TRANSPORT_INVALID', 'transport.endpoint', `required for ${type}`)];
  const known = endpoints.get(endpoint);
  if (known === undefined)
    return [
      problem(
        'TRANSPORT_INVALID',
        'transport.endpoint',
        'unknown endpoint (not in config/endpoints.yaml)',
      ),
    ];
  if (known.transport !== type) {
    return [
      problem(
        'TRANSPORT_INVALID',
        'transport.endpoint',
        `endpoint is for ${known.transport}, not ${type}`,
      ),
    ];
  }
  return [];
}

/** Events a unit of each kind has. */
const EVENTS_OF_UNIT: Readonly<Record<Contract['unit'], readonly ScheduleEvent[]>> = {
  flight: ['flight.departure', 'trip.start', 'trip.end'],
  stay: ['stay.checkIn', 'stay.checkOut', 'trip.start', 'trip.end'],
  trip: ['trip.start', 'trip.end', 'booking.confirmed'],
  booking: ['trip.start', 'trip.end', 'booking.confirmed'],
  participant: ['trip.start', 'trip.end', 'booking.confirmed'],
};

/**
 * Whether moment `a` can never come before moment `b`, whatever the unit's dates. The
 * planner's event times order some events for every trip (`eventTime`): a trip starts at or
 * before any of its departures and check-ins and ends at or after any of them, and a stay's
 * check-out follows its check-in. `booking.confirmed` (the moment of planning) orders with
 * nothing.
 */
function neverBefore(a: ScheduleMoment, b: ScheduleMoment): boolean {
  if (a.event === 'booking.confirmed' || b.event === 'booking.confirmed') return false;
  const eventNotBefore =
    a.event === b.event ||
    b.event === 'trip.start' ||
    a.event === 'trip.end' ||
    (a.event === 'stay.checkOut' && b.event === 'stay.checkIn');
  return eventNotBefore && signedOffsetMs(a) >= signedOffsetMs(b);
}

const sameMoment = (a: ScheduleMoment, b: ScheduleMoment): boolean =>
  a.event === b.event && signedOffsetMs(a) === signedOffsetMs(b);

function checkSchedule(contract: Contract): CoreError[] {
  const errors: CoreError[] = [];
  const { schedule, transport, unit } = contract;
  const checkMoment = (moment: ScheduleMoment, path: string): void => {
    if (!EVENTS_OF_UNIT[unit].includes(moment.event)) {
      errors.push(problem('SCHEDULE_INVALID', path, `a ${unit} unit has no event ${moment.event}`));
    }
    if (moment.direction !== 'at' && durationMs(moment.offset) > MAX_SCHEDULE_OFFSET_MS) {
      errors.push(
        problem(
          'SCHEDULE_INVALID',
          `${path}.offset`,
          `longer than ${MAX_SCHEDULE_OFFSET} (about 10 years) from its event`,
        ),
      );
    }
  };
  if (schedule.kind === 'on-demand') {
    if (transport.type !== 'api-response') {
      errors.push(
        problem(
          'SCHEDULE_INVALID',
          'schedule.onDemand',
          'on-demand release needs transport api-response',
        ),
      );
    }
    checkMoment(schedule.from, 'schedule.onDemand.from');
    checkMoment(schedule.until, 'schedule.onDemand.until');
    // `booking.confirmed` is "now" when a request is answered: a window bounded by it would
    // stay open for ever (or start at every request), long after the trip is over.
    for (const [bound, moment] of [
      ['from', schedule.from],
      ['until', schedule.until],
    ] as const) {
      if (moment.event === 'booking.confirmed') {
        errors.push(
          problem(
            'SCHEDULE_INVALID',
            `schedule.onDemand.${bound}`,
            'cannot be booking.confirmed: an on-demand window is bounded by the trip (trip.start, trip.end)',
          ),
        );
      }
    }
    if (neverBefore(schedule.from, schedule.until)) {
      errors.push(
        problem(
          'SCHEDULE_INVALID',
          'schedule.onDemand',
          'from never comes before until: no request could ever be answered',
        ),
      );
    }
  } else {
    if (transport.type === 'api-response') {
      errors.push(
        problem(
          'SCHEDULE_INVALID',
          'schedule',
          'an api-response contract is released on demand (schedule.onDemand)',
        ),
      );
    }
    const { until } = schedule;
    // booking.confirmed is when the unit is planned (`eventTime`), again at every re-planning:
    // a send at it leaves when the booking comes, but counted from, it would move with every
    // change of the trip, and as the last moment, it is always just past.
    const untilConfirmed = until.event === 'booking.confirmed';
    if (untilConfirmed) {
      errors.push(
        problem(
          'SCHEDULE_INVALID',
          'schedule.until',
          "cannot be booking.confirmed (without one, the first send's event): it is when the unit is planned, again at every re-planning, so nothing could be sent in time",
        ),
      );
    }
    schedule.send.forEach((moment, index) => {
      checkMoment(moment, `schedule.send[${index}]`);
      if (moment.event === 'booking.confirmed' && moment.direction !== 'at') {
        errors.push(
          problem(
            'SCHEDULE_INVALID',
            `schedule.send[${index}]`,
            'booking.confirmed takes no offset: it is when the unit is planned, again at every re-planning',
          ),
        );
      } else if (
        // On the same event, or events in a fixed order, the two can be compared: a send at
        // or after the last moment could only ever be missed — due when it may no longer
        // leave (the worker leases nothing at or past its last moment), or later.
        !untilConfirmed &&
        neverBefore(moment, until)
      ) {
        errors.push(
          problem(
            'SCHEDULE_INVALID',
            `schedule.send[${index}]`,
            "comes at or after schedule.until (without one, the first send's event), so it could never be sent in time",
          ),
        );
      }
    });
    schedule.send.forEach((moment, index) => {
      const earlier = schedule.send.findIndex((other) => sameMoment(other, moment));
      if (earlier < index) {
        errors.push(
          problem(
            'SCHEDULE_INVALID',
            `schedule.send[${index}]`,
            `the same moment as schedule.send[${earlier}]: the data would be sent twice`,
          ),
        );
      }
    });
    checkMoment(until, 'schedule.until');
  }
  return errors;
}

/** `P30D after stay.checkOut`: the event must be one the unit has, as in the schedule. */
function checkRetention(contract: Contract): CoreError[] {
  const event = contract.retention.slice(contract.retention.indexOf(' after ') + ' after '.length);
  const events: readonly string[] = EVENTS_OF_UNIT[contract.unit];
  if (events.includes(event)) return [];
  return [
    problem(
      'RETENTION_INVALID',
      'retention',
      `a ${contract.unit} unit has no event ${event} (events: ${events.join(', ')})`,
    ),
  ];
}
