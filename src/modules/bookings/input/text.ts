/**
 * Text rules of the input model (input-model.md): person names are letters (with their
 * combining marks), apostrophes, hyphens and single spaces; free text is anything printable.
 */

/**
 * Length in characters: code points of the NFC form, so that `é` counts once whether it
 * came precomposed or not, and a run of combining marks cannot hide inside one "character".
 */
export const characterCount = (value: string): number =>
  value.normalize('NFC').replace(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g, '_').length;

/**
 * Words of letters, combining marks, `'`, `’` and `-`, separated by single spaces. A word
 * may start with an apostrophe (Dutch `’t Hooft`) but not with a combining mark, and the
 * whole name needs a letter.
 */
const PERSON_NAME = /^(?=.*\p{L})[\p{L}'’-][\p{L}\p{M}'’-]*(?: [\p{L}'’-][\p{L}\p{M}'’-]*)*$/u;

export const PERSON_NAME_MAX = 70;

export const isPersonName = (value: string): boolean => PERSON_NAME.test(value);

/** The MRZ spelling of a name on a travel document (ICAO 9303): A–Z words, single spaces. */
const MRZ_NAME = /^[A-Z]+(?: [A-Z]+)*$/;

export const isMrzName = (value: string): boolean => MRZ_NAME.test(value);

/**
 * Free text refuses control characters: C0/C1 and DEL, lone surrogates, line and paragraph
 * separators, and the bidirectional embeddings, overrides and isolates that can make text
 * shown to operations read differently from what is stored.
 */
const CONTROL = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;

export const hasControlCharacters = (value: string): boolean => CONTROL.test(value);
