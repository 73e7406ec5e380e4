import { fail, ok, type Result } from '../shared/result.js';
import {
  DOCUMENT_NAME_PATTERN,
  transliterateToIcao,
  type NameError,
} from './icao-transliteration.js';

/** A name as the travel document writes it: each part A–Z words separated by single spaces. */
export interface DocumentName {
  readonly surname: string;
  readonly givenNames: string;
}

export interface DocumentNameInput {
  /** As written by the family (any Unicode letters, apostrophes, hyphens, spaces). */
  readonly surname: string;
  readonly givenNames: string;
  /** The spelling printed in the passport's MRZ (A–Z and spaces), when stored. */
  readonly nameOnDocument?: { readonly surname: string; readonly givenNames: string };
}

/** The field ids a document name is read from; errors name them. */
export const NAME_FIELDS = {
  surname: 'participant.surname',
  givenNames: 'participant.givenNames',
  nameOnDocument: 'participant.documents.passport.nameOnDocument',
} as const;

/**
 * The name to write in a border or airline message. The traveller's own MRZ spelling wins
 * (ICAO 9303 lets each state choose `MUELLER` or `MULLER`, `N` or `NXX`; the airline
 * checks the document against it); without one, both parts are transliterated
 * (`transliterateToIcao`). Every problem is reported, each naming its field and rule.
 */
export function documentNameOf(input: DocumentNameInput): Result<DocumentName, NameError> {
  if (input.nameOnDocument !== undefined) return storedDocumentName(input.nameOnDocument);
  const surname = transliterateToIcao(input.surname, NAME_FIELDS.surname);
  const givenNames = transliterateToIcao(input.givenNames, NAME_FIELDS.givenNames);
  if (!surname.ok || !givenNames.ok) {
    return fail([
      ...(surname.ok ? [] : withField(surname.errors, NAME_FIELDS.surname)),
      ...(givenNames.ok ? [] : withField(givenNames.errors, NAME_FIELDS.givenNames)),
    ]);
  }
  return ok({ surname: surname.value, givenNames: givenNames.value });
}

const withField = (errors: readonly NameError[], field: string): NameError[] =>
  errors.map((error) => ({ ...error, field }));

/**
 * The stored MRZ spelling, taken as it is: runs of spaces are collapsed, nothing else is
 * changed or repaired — it is the document's own text, so a wrong one is refused.
 */
function storedDocumentName(stored: {
  readonly surname: string;
  readonly givenNames: string;
}): Result<DocumentName, NameError> {
  const errors: NameError[] = [];
  const part = (value: string, key: 'surname' | 'givenNames'): string => {
    const collapsed = value.trim().replace(/ +/g, ' ');
    if (!DOCUMENT_NAME_PATTERN.test(collapsed)) {
      errors.push({
        code: 'NAME_ON_DOCUMENT_INVALID',
        path: `${NAME_FIELDS.nameOnDocument}.${key}`,
        field: NAME_FIELDS.nameOnDocument,
        rule:
          collapsed === ''
            ? 'must not be empty'
            : 'must be upper-case letters A-Z in words separated by single spaces',
      });
    }
    return collapsed;
  };
  const name = {
    surname: part(stored.surname, 'surname'),
    givenNames: part(stored.givenNames, 'givenNames'),
  };
  return errors.length > 0 ? fail(errors) : ok(name);
}

/** Given names split for formats with a first-name and a second-name slot. */
export interface SplitGivenNames {
  readonly first: string;
  /** The remaining given names, absent when there is only one. */
  readonly rest?: string;
}

/**
 * The document's given names (`givenNames`, A–Z words) split between two given names, never
 * inside one: `CLAIRE MARIE` → `CLAIRE` + `MARIE`, but `Jean-Loïc` stays `JEAN LOIC`, whole
 * in the first slot (formats.md §1.12 `MUELLER:JEAN LOIC`, §5.4 `/JEAN LOIC`, §7: the MRZ
 * filler of a compound name becomes a space inside one component).
 *
 * The document spelling writes a hyphen and a space alike (`JEAN LOIC`, `CLAIRE MARIE`), so
 * the family's spelling `asWritten` tells which space was a hyphen. Without a hyphen in it
 * (or without it) the split is at the first space. With one, the document's words are
 * grouped as the family's space-separated names; when they cannot be matched word for word
 * (a stored MRZ spelling that names more or fewer names), nothing is split — a compound
 * name is never cut in two.
 */
export function splitGivenNames(givenNames: string, asWritten?: string): SplitGivenNames {
  const space = givenNames.indexOf(' ');
  if (space < 0) return { first: givenNames };
  if (!asWritten?.includes('-')) {
    return { first: givenNames.slice(0, space), rest: givenNames.slice(space + 1) };
  }
  // How many document words each written name became: `Jean-Loïc` 2, `D'Arcy` 1.
  const sizes = asWritten
    .split(' ')
    .map((name) => name.split('-').filter((part) => /[^'\u2019]/u.test(part)).length)
    .filter((size) => size > 0);
  const words = givenNames.split(' ');
  const firstSize = sizes[0] ?? 0;
  if (sizes.reduce((sum, size) => sum + size, 0) !== words.length || firstSize >= words.length) {
    return { first: givenNames };
  }
  return { first: words.slice(0, firstSize).join(' '), rest: words.slice(firstSize).join(' ') };
}

/** What to do with a name part longer than a recipient takes. */
export type NameOverflow =
  /** Refuse: the recipient must get the full name or nothing (`NAME_TOO_LONG`). */
  | 'refuse'
  /**
   * Keep the whole words that fit. A first word longer than the limit is cut at the limit —
   * as the MRZ itself cuts long names (Doc 9303 Part 4) — so the part is never empty.
   */
  | 'truncate-at-word';

export interface NameLengthLimit {
  /** Characters per part, e.g. 35 for an EDIFACT NAD component (an..35). */
  readonly maxLength: number;
  readonly overflow: NameOverflow;
}

/**
 * Fits one name part (A–Z words) to a recipient's length limit, by its policy. The result is
 * never longer than the limit, never empty, and still matches `DOCUMENT_NAME_PATTERN`.
 */
export function fitNameToLength(
  part: string,
  limit: NameLengthLimit,
  path = '',
): Result<string, NameError> {
  if (!Number.isInteger(limit.maxLength) || limit.maxLength < 1) {
    throw new RangeError('a name length limit is a positive integer');
  }
  if (part.length <= limit.maxLength) return ok(part);
  if (limit.overflow === 'refuse') {
    return fail([
      {
        code: 'NAME_TOO_LONG',
        path,
        rule: `must be at most ${limit.maxLength} characters`,
      },
    ]);
  }
  const words = part.split(' ');
  let fitted = '';
  for (const word of words) {
    const longer = fitted === '' ? word : `${fitted} ${word}`;
    if (longer.length > limit.maxLength) break;
    fitted = longer;
  }
  return ok(fitted === '' ? (words[0] ?? '').slice(0, limit.maxLength) : fitted);
}
