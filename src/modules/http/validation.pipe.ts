import { ValidationPipe, type ArgumentMetadata, type ValidationError } from '@nestjs/common';
import { PasserelleError, type PasserelleErrorDetail } from '../shared/passerelle-error.js';
import { JSON_DEPTH_LIMIT, JSON_PROPERTIES_LIMIT } from './json-body.js';

/**
 * Rule words for class-validator's constraint names. class-validator's own messages are
 * never passed on: several quote the value (`… must be one of: …, got "Zoé"`), and custom
 * ones may do anything.
 */
const UNKNOWN_PROPERTY = 'unknown property';

const RULE_WORDS: Readonly<Record<string, string>> = {
  whitelistValidation: UNKNOWN_PROPERTY,
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

/**
 * Rules on the kind of a value. When one of them is broken, the rules on its size or form
 * (`too small`, `too long`…) are broken too, or say nothing: `?limit=abc` is not an integer,
 * and that alone is answered — not "too large, too small, must be an integer".
 */
const KIND_CONSTRAINTS: ReadonlySet<string> = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isNumberString',
  'isBoolean',
  'isArray',
  'isObject',
  'nestedValidation',
  'unknownValue',
]);

/**
 * The constraints worth answering for one property: `isDefined` alone when the value is
 * missing — every other rule of a missing value is broken by its absence ("too short, too
 * long, must be a string" for a reason never sent) —, else the rules on its kind when one
 * is broken, else every broken rule. The value is read only to tell a missing one apart
 * (the pipe keeps values in its errors for this); it never reaches a detail.
 */
function answeredConstraints(error: ValidationError): string[] {
  const children = error.children ?? [];
  const broken = Object.keys(error.constraints ?? {})
    // A nested object's own "must be an object" adds nothing when its children explain it.
    .filter((constraint) => !(constraint === 'nestedValidation' && children.length > 0));
  if (broken.length === 0) return [];
  const missing = 'value' in error && error.value === undefined;
  if (missing || broken.includes('isDefined')) return ['isDefined'];
  const kinds = broken.filter((constraint) => KIND_CONSTRAINTS.has(constraint));
  return kinds.length > 0 ? kinds : broken;
}

/** class-validator's error tree as `{ path, rule }` details, one per broken constraint answered. */
export function validationDetails(
  errors: readonly ValidationError[],
  basePath = '',
): PasserelleErrorDetail[] {
  return errors.flatMap((error) => {
    const path = childPath(basePath, error.property);
    const own = answeredConstraints(error).map((constraint) => ({
      path,
      rule: ruleOfConstraint(constraint),
    }));
    return [...own, ...validationDetails(error.children ?? [], path)];
  });
}

/** The rule of a value nested deeper than `JSON_DEPTH_LIMIT` (as the booking input words it). */
export const NESTED_TOO_DEEPLY = 'nested too deeply';
/** The rule of an object of more than `JSON_PROPERTIES_LIMIT` properties (the same). */
export const TOO_MANY_PROPERTIES = `must have at most ${String(JSON_PROPERTIES_LIMIT)} properties`;

/**
 * The first object or array nested `limits.depth` levels or more below the root, or object
 * of more than `limits.properties` properties, with the rule it breaks; `undefined` if none.
 * Iterative — it keeps its own stack — and it goes no deeper than the limit, so a value
 * nested 200,000 levels is refused in a few steps whatever the call stack.
 */
export function oversizedPartOf(
  value: unknown,
  limits: {
    readonly depth: number;
    readonly properties: number;
    /** Also refuse, as unknown, a key `Object.prototype` has (see `DepthCheckedValidationPipe`). */
    readonly prototypeKeys?: boolean;
  },
): PasserelleErrorDetail | undefined {
  const pending: { readonly value: unknown; readonly path: string; readonly depth: number }[] = [
    { value, path: '', depth: 0 },
  ];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= limits.depth) return { path: next.path, rule: NESTED_TOO_DEEPLY };
    const entries = Object.entries(next.value);
    if (!Array.isArray(next.value) && entries.length > limits.properties) {
      return { path: next.path, rule: TOO_MANY_PROPERTIES };
    }
    if (limits.prototypeKeys === true && !Array.isArray(next.value)) {
      const inherited = entries.find(([key]) => Object.hasOwn(Object.prototype, key));
      if (inherited !== undefined) {
        return { path: childPath(next.path, inherited[0]), rule: UNKNOWN_PROPERTY };
      }
    }
    // Pushed last to first, so that the first too deep in the document's order is named.
    for (let index = entries.length - 1; index >= 0; index -= 1) {
      const [key, item] = entries[index] as [string, unknown];
      if (typeof item === 'object' && item !== null) {
        pending.push({ value: item, path: childPath(next.path, key), depth: next.depth + 1 });
      }
    }
  }
  return undefined;
}

/** The path of the first object or array nested `limit` levels or more below the root. */
export const pathNestedTooDeep = (value: unknown, limit: number): string | undefined =>
  oversizedPartOf(value, { depth: limit, properties: Infinity })?.path;

/**
 * NestJS's ValidationPipe, refusing first what class-transformer cannot take: it copies a
 * value by recursion, so a body of `{"reason":[[[…]]]}` nested 200,000 levels (under the
 * 1 MiB limit) overflowed the call stack — a 500; and it takes time in the square of an
 * object's properties. Keys `Object.prototype` has (`__proto__`, `constructor`…) are refused
 * as unknown properties: class-transformer skips them, so the whitelist never saw them and
 * they passed in silence. Values it would not validate (a body typed `unknown`, which the
 * bookings input checks itself) pass as they are.
 */
class DepthCheckedValidationPipe extends ValidationPipe {
  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    if (this.toValidate(metadata)) {
      const oversized = oversizedPartOf(value, {
        depth: JSON_DEPTH_LIMIT,
        properties: JSON_PROPERTIES_LIMIT,
        prototypeKeys: true,
      });
      if (oversized?.rule === UNKNOWN_PROPERTY) {
        throw new PasserelleError('BAD_REQUEST', 'the request is invalid', [oversized]);
      }
      if (oversized !== undefined) {
        const what = metadata.type === 'body' ? 'body' : metadata.type;
        throw new PasserelleError(
          'BAD_REQUEST',
          oversized.rule === NESTED_TOO_DEEPLY
            ? `the ${what} is nested deeper than ${String(JSON_DEPTH_LIMIT)} levels`
            : `the ${what} has an object of more than ${String(JSON_PROPERTIES_LIMIT)} properties`,
          [oversized],
        );
      }
    }
    return (await super.transform(value, metadata)) as unknown;
  }
}

/**
 * The global ValidationPipe (STYLE.md): unknown properties refused, DTOs transformed. Its
 * errors become one `BAD_REQUEST` whose details name paths and rules, never values.
 */
export function createValidationPipe(): ValidationPipe {
  return new DepthCheckedValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    // Values are kept in class-validator's errors so that a missing one is answered
    // `required`; `validationDetails` reads nothing else of them.
    validationError: { target: false, value: true },
    exceptionFactory: (errors: ValidationError[]) =>
      new PasserelleError('BAD_REQUEST', 'the request is invalid', validationDetails(errors)),
  });
}
