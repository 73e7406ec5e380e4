import 'reflect-metadata';
import { Transform, Type } from 'class-transformer';
import {
  isEmail,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  type ValidationArguments,
} from 'class-validator';
import { isCalendarDate, isInstantWithOffset } from '../input/calendar.js';
import { spendProblems } from '../input/problem-budget.js';
import {
  maxCharsRule,
  maxItemsRule,
  minItemsRule,
  oneOfRule,
  RULES,
} from '../input/input-error.js';
import {
  characterCount,
  hasControlCharacters,
  isPersonName,
  PERSON_NAME_MAX,
} from '../input/text.js';
import { documentLater } from '../../shared/deferred-api-docs.js';

/**
 * The decorators of the input DTOs. Each property carries one check that returns the rule
 * it breaks (a text from `RULES`, never built from the value), so class-validator's default
 * messages — some of which quote the value — are never produced. Array checks name the
 * first offending item by index: the message is `#<index> <rule>`, decoded by the mapper.
 */

/** `undefined` when the value passes; otherwise the rule broken, for an item if `index` is set. */
export type Finding = string | { readonly index: number; readonly rule: string } | undefined;
type Checker = (value: unknown) => Finding;
/** A check on a string that is present, trimmed and not empty. */
export type StringCheck = (value: string) => string | undefined;

/**
 * What the OpenAPI document says of the strings a check accepts (pattern, enum, length,
 * format), given where the check is made so that the two say the same. Rules a schema
 * cannot state (a calendar that exists, Luhn, ICAO names) are left to the description.
 */
export interface StringSchema {
  readonly pattern?: string;
  readonly enum?: readonly string[];
  readonly maxLength?: number;
  readonly format?: string;
  readonly description?: string;
}
const stringSchemas = new WeakMap<StringCheck, StringSchema>();

/** `check`, with the schema of the strings it accepts. */
export function describedCheck(check: StringCheck, schema: StringSchema): StringCheck {
  stringSchemas.set(check, schema);
  return check;
}

const schemaOf = (check: StringCheck): StringSchema => stringSchemas.get(check) ?? {};

/** The OpenAPI side of a field: `required` unless optional, as `optionalIf` validates it. */
const documented = (options: FieldOptions, schema: Record<string, unknown>): PropertyDecorator =>
  documentLater({ ...schema, required: options.optional !== true });

export const encodeFinding = (finding: Finding): string => {
  if (finding === undefined) return RULES.invalid;
  if (typeof finding === 'string') return finding;
  return `#${finding.index} ${finding.rule}`;
};

function compose(...decorators: readonly PropertyDecorator[]): PropertyDecorator {
  return (target, propertyKey) => {
    for (const decorator of decorators) decorator(target, propertyKey);
  };
}

function check(checker: Checker): PropertyDecorator {
  return (target, propertyKey) => {
    registerDecorator({
      name: 'inputRule',
      target: target.constructor,
      propertyName: String(propertyKey),
      validator: {
        validate: (value: unknown) => {
          if (checker(value) === undefined) return true;
          spendProblems(1);
          return false;
        },
        defaultMessage: (args?: ValidationArguments) => encodeFinding(checker(args?.value)),
      },
    });
  };
}

/** Absent (`undefined`) skips every check; `null` is refused like any wrong type. */
const optionalIf = (optional: boolean | undefined): PropertyDecorator[] =>
  optional === true ? [ValidateIf((_object: unknown, value: unknown) => value !== undefined)] : [];

const present =
  (checker: Checker): Checker =>
  (value) => {
    if (value === undefined) return RULES.required;
    if (value === null) return RULES.notNull;
    return checker(value);
  };

const isRecord = (value: unknown): value is object =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

function stringRule(value: unknown, stringCheck: StringCheck): string | undefined {
  if (typeof value !== 'string') return RULES.string;
  if (value === '') return RULES.empty;
  return stringCheck(value);
}

/**
 * Strings are trimmed before validation; an empty string is an error, not "absent". Only
 * a-z are upper-cased: `toUpperCase` also makes `SS` of `ß`, `S` of `ſ` and `I` of `ı`, so a
 * document number written with them passed as another number than the one sent.
 */
const trimmed = (upperCase: boolean) => (value: unknown) => {
  if (typeof value !== 'string') return value;
  const trimmedValue = value.trim();
  return upperCase
    ? trimmedValue.replace(/[a-z]+/g, (letters) => letters.toUpperCase())
    : trimmedValue;
};

interface FieldOptions {
  readonly optional?: boolean;
}

interface StringFieldOptions extends FieldOptions {
  /** Upper-case after trimming (document numbers, record locators). */
  readonly upperCase?: boolean;
}

export function StringField(
  stringCheck: StringCheck,
  options: StringFieldOptions = {},
): PropertyDecorator {
  const transform = trimmed(options.upperCase === true);
  return compose(
    documented(options, { type: 'string', minLength: 1, ...stringDoc(stringCheck, options) }),
    Transform(({ value }: { value: unknown }) => transform(value)),
    ...optionalIf(options.optional),
    check(present((value) => stringRule(value, stringCheck))),
  );
}

/** A string field's schema: its check's, and what the transform does before the check. */
function stringDoc(stringCheck: StringCheck, options: StringFieldOptions): StringSchema {
  const { pattern, ...schema } = schemaOf(stringCheck);
  // Upper-cased before the check: the pattern holds for the value as stored, not as sent.
  const upperCase = options.upperCase === true;
  const notes = [
    schema.description,
    upperCase && pattern !== undefined ? `as upper-cased: ${pattern}` : undefined,
    upperCase ? 'trimmed and upper-cased before the check' : 'trimmed before the check',
  ].filter((note) => note !== undefined);
  return {
    ...schema,
    ...(upperCase || pattern === undefined ? {} : { pattern }),
    description: notes.join('; '),
  };
}

interface ArrayOptions extends FieldOptions {
  readonly min?: number;
  readonly max?: number;
}

function arrayRule(value: unknown, options: ArrayOptions): string | undefined {
  if (!Array.isArray(value)) return RULES.array;
  if (options.min !== undefined && value.length < options.min) return minItemsRule(options.min);
  if (options.max !== undefined && value.length > options.max) return maxItemsRule(options.max);
  return undefined;
}

export function StringArrayField(
  stringCheck: StringCheck,
  options: StringFieldOptions & ArrayOptions = {},
): PropertyDecorator {
  const transform = trimmed(options.upperCase === true);
  return compose(
    documented(options, {
      type: 'array',
      items: { type: 'string', minLength: 1, ...stringDoc(stringCheck, options) },
      ...(options.min === undefined ? {} : { minItems: options.min }),
      ...(options.max === undefined ? {} : { maxItems: options.max }),
    }),
    Transform(({ value }: { value: unknown }) =>
      Array.isArray(value) ? value.map((item: unknown) => transform(item)) : value,
    ),
    ...optionalIf(options.optional),
    check(
      present((value) => {
        const arrayFinding = arrayRule(value, options);
        if (arrayFinding !== undefined || !Array.isArray(value)) return arrayFinding;
        for (const [index, item] of (value as unknown[]).entries()) {
          const itemRule = item === null ? RULES.notNull : stringRule(item, stringCheck);
          if (itemRule !== undefined) return { index, rule: itemRule };
        }
        return undefined;
      }),
    ),
  );
}

export function NestedField(
  type: () => new () => object,
  options: FieldOptions = {},
): PropertyDecorator {
  return compose(
    // Named `type` so that @nestjs/swagger takes it for the lazy type it is.
    documented(options, { type: () => type() }),
    Type(type),
    ...optionalIf(options.optional),
    check(present((value) => (isRecord(value) ? undefined : RULES.object))),
    ValidateNested({ message: RULES.object }),
  );
}

export function NestedArrayField(
  type: () => new () => object,
  options: ArrayOptions = {},
): PropertyDecorator {
  return compose(
    documented(options, {
      type: () => type(),
      isArray: true,
      ...(options.min === undefined ? {} : { minItems: options.min }),
      ...(options.max === undefined ? {} : { maxItems: options.max }),
    }),
    Type(type),
    ...optionalIf(options.optional),
    check(
      present((value) => {
        const arrayFinding = arrayRule(value, options);
        if (arrayFinding !== undefined || !Array.isArray(value)) return arrayFinding;
        // Other non-objects are reported item by item by ValidateNested, which would
        // otherwise walk into an array nested in the array as if it were flat.
        const index = (value as unknown[]).findIndex((item) => Array.isArray(item));
        if (index !== -1) return { index, rule: RULES.object };
        // Those it reports are problems too (`[1,1,…]` has one per two bytes).
        spendProblems((value as unknown[]).filter((item) => !isRecord(item)).length);
        return undefined;
      }),
    ),
    ValidateNested({ each: true, message: RULES.object }),
  );
}

/** A free-form object kept as given (`marketing`): only its being an object is checked. */
export function FreeObjectField(options: FieldOptions = {}): PropertyDecorator {
  return compose(
    documented(options, { type: 'object', additionalProperties: true }),
    ...optionalIf(options.optional),
    check(present((value) => (isRecord(value) ? undefined : RULES.object))),
  );
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return compose(
    documented(options, { type: 'boolean' }),
    ...optionalIf(options.optional),
    check(present((value) => (typeof value === 'boolean' ? undefined : RULES.boolean))),
  );
}

/** `revision`: a JSON integer ≥ 1 (a string of digits is refused, not converted). */
export function RevisionField(): PropertyDecorator {
  return compose(
    documented(
      {},
      {
        type: 'integer',
        minimum: 1,
        maximum: Number.MAX_SAFE_INTEGER,
        description:
          'a JSON integer (a string of digits is refused); higher than the stored one to change it',
      },
    ),
    check(
      present((value) =>
        typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
          ? undefined
          : RULES.revision,
      ),
    ),
  );
}

// String checks ------------------------------------------------------------------------

export const matches = (pattern: RegExp, rule: string): StringCheck =>
  describedCheck((value) => (pattern.test(value) ? undefined : rule), {
    pattern: pattern.source,
  });

export const oneOf = (values: readonly string[]): StringCheck => {
  const rule = oneOfRule(values);
  return describedCheck((value) => (values.includes(value) ? undefined : rule), {
    enum: values,
  });
};

/** Printable text up to `max` characters. */
export const freeText = (max: number): StringCheck => {
  const tooLong = maxCharsRule(max);
  return describedCheck(
    (value) => {
      if (hasControlCharacters(value)) return RULES.controlCharacters;
      return characterCount(value) > max ? tooLong : undefined;
    },
    { maxLength: max, description: 'printable text, no control characters' },
  );
};

const personNameTooLong = maxCharsRule(PERSON_NAME_MAX);
export const personName: StringCheck = describedCheck(
  (value) => {
    if (characterCount(value) > PERSON_NAME_MAX) return personNameTooLong;
    return isPersonName(value) ? undefined : RULES.personName;
  },
  {
    maxLength: PERSON_NAME_MAX,
    description: 'a person’s name: letters, spaces, hyphens, apostrophes',
  },
);

export const calendarDate: StringCheck = describedCheck(
  (value) => (isCalendarDate(value) ? undefined : RULES.date),
  { format: 'date', description: 'YYYY-MM-DD, a day that exists' },
);

export const instantWithOffset: StringCheck = describedCheck(
  (value) => (isInstantWithOffset(value) ? undefined : RULES.instant),
  { format: 'date-time', description: 'an instant with its UTC offset' },
);

export const email: StringCheck = describedCheck(
  (value) => (value.length <= 254 && isEmail(value) ? undefined : RULES.email),
  { format: 'email', maxLength: 254 },
);

const PHONE = /^\+[0-9](?:[ .()-]?[0-9]|[ .-]?\([0-9]+\))*$/;
/**
 * International format (the recipients' contact fields need it): `+`, 6 to 15 digits (E.164).
 * The digits are counted before the pattern runs: `(1)1` reads two ways in it (a group then
 * a digit, or two digits after separators), so a refusal tries every reading: 2^27 of them
 * for `+1(1)1(1)1…x` of 111 characters, a booking PUT that held the event loop for 27 s.
 * Each step of a reading takes a digit, so with at most 15 digits there are few.
 */
export const phone: StringCheck = describedCheck(
  (value) => {
    const digits = value.replace(/\D/g, '').length;
    return digits >= 6 && digits <= 15 && PHONE.test(value) ? undefined : RULES.phone;
  },
  { pattern: PHONE.source, description: 'international format: `+`, 6 to 15 digits (E.164)' },
);
