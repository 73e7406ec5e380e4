import { ValidationPipe, type ValidationError } from '@nestjs/common';
import { PasserelleError, type PasserelleErrorDetail } from '../shared/passerelle-error.js';

/**
 * Rule words for class-validator's constraint names. class-validator's own messages are
 * never passed on: several quote the value (`… must be one of: …, got "Zoé"`), and custom
 * ones may do anything.
 */
const RULE_WORDS: Readonly<Record<string, string>> = {
  whitelistValidation: 'unknown property',
  unknownValue: 'must be an object',
  nestedValidation: 'must be an object',
  isDefined: 'required',
  isNotEmpty: 'must not be empty',
  isString: 'must be a string',
  isInt: 'must be an integer',
  isNumber: 'must be a number',
  isNumberString: 'must be a number',
  isBoolean: 'must be true or false',
  isArray: 'must be an array',
  isObject: 'must be an object',
  isEnum: 'must be one of the allowed values',
  isIn: 'must be one of the allowed values',
  min: 'too small',
  max: 'too large',
  minLength: 'too short',
  maxLength: 'too long',
  arrayMinSize: 'too few items',
  arrayMaxSize: 'too many items',
  arrayUnique: 'items must be unique',
  matches: 'does not have the expected format',
  isUuid: 'must be a UUID',
  isEmail: 'must be an email address',
  isDateString: 'must be an ISO 8601 date',
  isIso8601: 'must be an ISO 8601 date',
};

const IDENTIFIER = /^[A-Za-z][A-Za-z0-9]{0,63}$/;

/**
 * A rule from a constraint name: a known word, or the name split into words
 * (`isPostalCode` → `is postal code`). Constraint names come from the code, never from the
 * request; anything that is not a plain identifier becomes `invalid value` all the same.
 */
export function ruleOfConstraint(constraint: string): string {
  const known = RULE_WORDS[constraint];
  if (known !== undefined) return known;
  const normalized = constraint.replace(/^isISO/, 'isIso').replace(/^isUUID/, 'isUuid');
  const renamed = RULE_WORDS[normalized];
  if (renamed !== undefined) return renamed;
  if (!IDENTIFIER.test(constraint)) return 'invalid value';
  return constraint
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z])([A-Z][a-z])/g, '$1 $2')
    .toLowerCase();
}

/**
 * A property name as it may appear in a path. Names are structure, but an unknown property
 * can be named with anything — a card number, a sentence — so only plain identifiers
 * without long digit runs are echoed.
 */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DIGIT_RUN = /\d{4}/;
const INDEX = /^\d{1,9}$/;
export const WITHHELD_KEY = '<key withheld>';

/** Array items come back as properties `0`, `1`…: they are rendered `[0]`, `[1]`. */
function childPath(base: string, property: string): string {
  if (property === '') return base;
  if (INDEX.test(property)) return `${base}[${property}]`;
  const key = PLAIN_KEY.test(property) && !DIGIT_RUN.test(property) ? property : WITHHELD_KEY;
  return base === '' ? key : `${base}.${key}`;
}

/** class-validator's error tree as `{ path, rule }` details, one per broken constraint. */
export function validationDetails(
  errors: readonly ValidationError[],
  basePath = '',
): PasserelleErrorDetail[] {
  return errors.flatMap((error) => {
    const path = childPath(basePath, error.property);
    const children = error.children ?? [];
    const own = Object.keys(error.constraints ?? {})
      // A nested object's own "must be an object" adds nothing when its children explain it.
      .filter((constraint) => !(constraint === 'nestedValidation' && children.length > 0))
      .map((constraint) => ({ path, rule: ruleOfConstraint(constraint) }));
    return [...own, ...validationDetails(children, path)];
  });
}

/**
 * The global ValidationPipe (STYLE.md): unknown properties refused, DTOs transformed. Its
 * errors become one `BAD_REQUEST` whose details name paths and rules, never values.
 */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors: ValidationError[]) =>
      new PasserelleError('BAD_REQUEST', 'the request is invalid', validationDetails(errors)),
  });
}
