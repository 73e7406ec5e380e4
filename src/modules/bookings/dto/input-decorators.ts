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
        validate: (value: unknown) => checker(value) === undefined,
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

/** Strings are trimmed before validation; an empty string is an error, not "absent". */
const trimmed = (upperCase: boolean) => (value: unknown) => {
  if (typeof value !== 'string') return value;
  const trimmedValue = value.trim();
  return upperCase ? trimmedValue.toUpperCase() : trimmedValue;
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
    Transform(({ value }: { value: unknown }) => transform(value)),
    ...optionalIf(options.optional),
    check(present((value) => stringRule(value, stringCheck))),
  );
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
    Type(type),
    ...optionalIf(options.optional),
    check(
      present((value) => {
        const arrayFinding = arrayRule(value, options);
        if (arrayFinding !== undefined || !Array.isArray(value)) return arrayFinding;
        // Other non-objects are reported item by item by ValidateNested, which would
        // otherwise walk into an array nested in the array as if it were flat.
        const index = (value as unknown[]).findIndex((item) => Array.isArray(item));
        return index === -1 ? undefined : { index, rule: RULES.object };
      }),
    ),
    ValidateNested({ each: true, message: RULES.object }),
  );
}

/** A free-form object kept as given (`marketing`): only its being an object is checked. */
export function FreeObjectField(options: FieldOptions = {}): PropertyDecorator {
  return compose(
    ...optionalIf(options.optional),
    check(present((value) => (isRecord(value) ? undefined : RULES.object))),
  );
}

export function BooleanField(options: FieldOptions = {}): PropertyDecorator {
  return compose(
    ...optionalIf(options.optional),
    check(present((value) => (typeof value === 'boolean' ? undefined : RULES.boolean))),
  );
}

/** `revision`: a JSON integer ≥ 1 (a string of digits is refused, not converted). */
export function RevisionField(): PropertyDecorator {
  return check(
    present((value) =>
      typeof value === 'number' && Number.isSafeInteger(value) && value >= 1
        ? undefined
        : RULES.revision,
    ),
  );
}

// String checks ------------------------------------------------------------------------

export const matches =
  (pattern: RegExp, rule: string): StringCheck =>
  (value) =>
    pattern.test(value) ? undefined : rule;

export const oneOf = (values: readonly string[]): StringCheck => {
  const rule = oneOfRule(values);
  return (value) => (values.includes(value) ? undefined : rule);
};

/** Printable text up to `max` characters. */
export const freeText = (max: number): StringCheck => {
  const tooLong = maxCharsRule(max);
  return (value) => {
    if (hasControlCharacters(value)) return RULES.controlCharacters;
    return characterCount(value) > max ? tooLong : undefined;
  };
};

const personNameTooLong = maxCharsRule(PERSON_NAME_MAX);
export const personName: StringCheck = (value) => {
  if (characterCount(value) > PERSON_NAME_MAX) return personNameTooLong;
  return isPersonName(value) ? undefined : RULES.personName;
};

export const calendarDate: StringCheck = (value) =>
  isCalendarDate(value) ? undefined : RULES.date;

export const instantWithOffset: StringCheck = (value) =>
  isInstantWithOffset(value) ? undefined : RULES.instant;

export const email: StringCheck = (value) =>
  value.length <= 254 && isEmail(value) ? undefined : RULES.email;

const PHONE = /^\+[0-9](?:[ .()-]?[0-9]|[ .-]?\([0-9]+\))*$/;
/** International format (the recipients' contact fields need it): `+`, 6 to 15 digits (E.164). */
export const phone: StringCheck = (value) => {
  const digits = value.replace(/\D/g, '').length;
  return PHONE.test(value) && digits >= 6 && digits <= 15 ? undefined : RULES.phone;
};
