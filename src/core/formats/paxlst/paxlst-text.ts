import type { FieldValue } from '../../fields/field-value.js';
import {
  documentNameOf,
  fitNameToLength,
  NAME_FIELDS,
  splitGivenNames,
  type DocumentName,
} from '../../names/document-name.js';
import {
  DOCUMENT_NAME_PATTERN,
  ICAO_TRANSLITERATION,
  transliterateToIcao,
} from '../../names/icao-transliteration.js';
import { fail, ok, type CoreError, type Result } from '../../shared/result.js';
import { isUnoa } from './edifact-syntax.js';

export interface PassengerName {
  readonly surname: string;
  readonly first: string;
  readonly rest: string;
}

const textOf = (values: Readonly<Record<string, FieldValue>>, id: string): string => {
  const value = values[id];
  return typeof value === 'string' ? value : '';
};

/**
 * The common case of `documentNameOf` without its error bookkeeping (this runs once per
 * passenger of every manifest): a valid stored MRZ spelling, or two names that
 * transliterate. Anything else returns undefined and takes `documentNameOf`, which words
 * the problems.
 */
function quickDocumentName(values: Readonly<Record<string, FieldValue>>): DocumentName | undefined {
  const stored = values[NAME_FIELDS.nameOnDocument];
  if (stored !== undefined) {
    if (typeof stored !== 'object' || Array.isArray(stored)) return undefined;
    const record = stored as Readonly<Record<string, FieldValue>>;
    const surname = textOf(record, 'surname');
    const givenNames = textOf(record, 'givenNames');
    return DOCUMENT_NAME_PATTERN.test(surname) && DOCUMENT_NAME_PATTERN.test(givenNames)
      ? { surname, givenNames }
      : undefined;
  }
  const surname = transliterateToIcao(textOf(values, NAME_FIELDS.surname));
  const givenNames = transliterateToIcao(textOf(values, NAME_FIELDS.givenNames));
  return surname.ok && givenNames.ok
    ? { surname: surname.value, givenNames: givenNames.value }
    : undefined;
}

function slowDocumentName(values: Readonly<Record<string, FieldValue>>): Result<DocumentName> {
  const stored = values[NAME_FIELDS.nameOnDocument];
  const record =
    stored !== undefined && typeof stored === 'object' && !Array.isArray(stored)
      ? (stored as Readonly<Record<string, FieldValue>>)
      : undefined;
  const name = documentNameOf({
    surname: textOf(values, NAME_FIELDS.surname),
    givenNames: textOf(values, NAME_FIELDS.givenNames),
    ...(record === undefined
      ? {}
      : {
          nameOnDocument: {
            surname: textOf(record, 'surname'),
            givenNames: textOf(record, 'givenNames'),
          },
        }),
  });
  return name.ok
    ? name
    : fail(
        name.errors.map((error) => ({
          code: error.code,
          path: error.field ?? error.path,
          rule: error.rule,
        })),
      );
}

/**
 * The passenger's name for NAD+FL (surname : first given name : other given names), in the
 * document's spelling: the stored MRZ name when the contract allows it and it exists, the
 * ICAO 9303 transliteration otherwise. The given names split between two names, never
 * inside a hyphenated one (`MUELLER:JEAN LOIC`, `ONEILL:CLAIRE:MARIE`; `splitGivenNames`).
 * A component longer than `limit` (an..35) is refused, never shortened: the recipient gets
 * the name as on the document or a data-quality error for operations to act on (store the
 * MRZ spelling, which is at most 39 characters).
 */
export function passengerName(
  values: Readonly<Record<string, FieldValue>>,
  limit: number,
): Result<PassengerName> {
  const quick = quickDocumentName(values);
  const name = quick === undefined ? slowDocumentName(values) : ok(quick);
  if (!name.ok) return name;
  const { surname, givenNames } = name.value;
  const given = splitGivenNames(givenNames, textOf(values, NAME_FIELDS.givenNames));
  // Short enough as they are (the common case): no fitting.
  if (surname.length <= limit && givenNames.length <= limit) {
    return ok({ surname, first: given.first, rest: given.rest ?? '' });
  }
  const fit = (part: string, field: string): Result<string> =>
    part.length <= limit
      ? ok(part)
      : fitNameToLength(part, { maxLength: limit, overflow: 'refuse' }, field);
  const fittedSurname = fit(surname, NAME_FIELDS.surname);
  const first = fit(given.first, NAME_FIELDS.givenNames);
  const rest = given.rest === undefined ? ok('') : fit(given.rest, NAME_FIELDS.givenNames);
  if (!fittedSurname.ok || !first.ok || !rest.ok) {
    const errors: CoreError[] = [fittedSurname, first, rest].flatMap((r) => (r.ok ? [] : r.errors));
    return fail(errors);
  }
  return ok({ surname: fittedSurname.value, first: first.value, rest: rest.value });
}

/**
 * Free text (addresses, the reporting party) in level A: upper case, accented letters by the
 * ICAO table (`Étienne` → `ETIENNE`), the typographic apostrophe as `'`; any other character
 * level A cannot write is refused, never dropped.
 */
export function toUnoaText(text: string): Result<string> {
  let out = '';
  for (const character of text.normalize('NFC')) {
    const upper = character === '\u2019' ? "'" : character.toUpperCase();
    if (isUnoa(upper)) {
      out += upper;
      continue;
    }
    const mapped = ICAO_TRANSLITERATION.get(character) ?? ICAO_TRANSLITERATION.get(upper);
    if (mapped === undefined) {
      return fail([
        {
          code: 'UNOA_CHARACTER_REFUSED',
          path: '',
          rule: 'holds a character level A (UNOA) cannot write',
        },
      ]);
    }
    out += mapped;
  }
  return ok(out);
}
