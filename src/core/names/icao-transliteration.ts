import { fail, ok, type CoreError, type Result } from '../shared/result.js';

/**
 * Names as a machine-readable travel document writes them: ICAO Doc 9303 Part 3 (7th ed.),
 * §6 "Transliteration of multinational Latin-based characters", recommended column.
 *
 * The mapping is data (below), not a generic transliteration library: those write `MULLER`
 * for `Müller`, while Doc 9303 recommends `MUELLER`. It is only the fallback — the spelling
 * printed in the traveller's own MRZ wins when it is stored, since states choose between the
 * table's options (`MUELLER` or `MULLER`, `N` or `NXX` for `Ñ`) — see `document-name.ts`.
 */

/** Letters written as two letters (Doc 9303 Part 3 §6; `ß` is mandatory, the others recommended). */
const EXPANDED_LETTERS: Readonly<Record<string, string>> = {
  Ä: 'AE',
  ä: 'AE',
  Å: 'AA',
  å: 'AA',
  Æ: 'AE',
  æ: 'AE',
  Ö: 'OE',
  ö: 'OE',
  Ø: 'OE',
  ø: 'OE',
  Œ: 'OE',
  œ: 'OE',
  Ü: 'UE',
  ü: 'UE',
  Þ: 'TH',
  þ: 'TH',
  ß: 'SS',
  ẞ: 'SS',
  Ĳ: 'IJ',
  ĳ: 'IJ',
};

/**
 * Letters that lose their accent, stroke or hook, grouped by the letter that remains.
 * Covers Latin-1 Supplement and Latin Extended-A in full, and from beyond them the Romanian
 * comma-below letters (Ș Ț), the pinyin carons (Ǎ Ǐ Ǒ Ǔ) and the Vietnamese letters
 * (Ơ Ư and U+1EA0–U+1EF9), whose passports drop the marks the same way. A letter outside
 * the table that is a table letter with more accents (Ǻ, Ǘ, Ṥ …) is written as that letter
 * (`AA`, `UE`, `S`): its extra accents are dropped, as the table drops accents.
 * `ĸ` (kra, obsolete Greenlandic) → `K` is our choice; the table's entry is UNVERIFIED.
 */
const ACCENT_DROPPED_LETTERS: Readonly<Record<string, string>> = {
  A: 'ÀÁÂÃàáâãĀāĂăĄąǍǎẠạẢảẤấẦầẨẩẪẫẬậẮắẰằẲẳẴẵẶặ',
  C: 'ÇçĆćĈĉĊċČč',
  D: 'ÐðĎďĐđ',
  E: 'ÈÉÊËèéêëĒēĔĕĖėĘęĚěẸẹẺẻẼẽẾếỀềỂểỄễỆệ',
  G: 'ĜĝĞğĠġĢģ',
  H: 'ĤĥĦħ',
  I: 'ÌÍÎÏìíîïĨĩĪīĬĭĮįİıǏǐỈỉỊị',
  J: 'Ĵĵ',
  K: 'Ķķĸ',
  L: 'ĹĺĻļĽľĿŀŁł',
  N: 'ÑñŃńŅņŇňŉŊŋ',
  O: 'ÒÓÔÕòóôõŌōŎŏŐőƠơǑǒỌọỎỏỐốỒồỔổỖỗỘộỚớỜờỞởỠỡỢợ',
  R: 'ŔŕŖŗŘř',
  S: 'ŚśŜŝŞşŠšȘșſ',
  T: 'ŢţŤťŦŧȚț',
  U: 'ÙÚÛùúûŨũŪūŬŭŮůŰűŲųƯưǓǔỤụỦủỨứỪừỬửỮữỰự',
  W: 'Ŵŵ',
  Y: 'ÝýÿŶŷŸỲỳỴỵỶỷỸỹ',
  Z: 'ŹźŻżŽž',
};

function buildTable(): ReadonlyMap<string, string> {
  const table = new Map<string, string>();
  for (let code = 0x41; code <= 0x5a; code += 1) {
    const letter = String.fromCharCode(code);
    table.set(letter, letter);
    table.set(letter.toLowerCase(), letter);
  }
  for (const [letter, replacement] of Object.entries(EXPANDED_LETTERS)) {
    table.set(letter, replacement);
  }
  for (const [replacement, letters] of Object.entries(ACCENT_DROPPED_LETTERS)) {
    for (const letter of letters) table.set(letter, replacement);
  }
  return table;
}

/**
 * Every letter Passerelle can write in a document name, with what it becomes (A–Z only).
 * Keys are single code points in NFC, which is how input is compared (`transliterateToIcao`
 * normalises first, so a decomposed `U` + U+0308 meets `Ü`).
 */
export const ICAO_TRANSLITERATION: ReadonlyMap<string, string> = buildTable();

/** Removed: Doc 9303 omits apostrophes (`O'NEILL` → `ONEILL`); the typographic one alike. */
const APOSTROPHES: ReadonlySet<string> = new Set(["'", '\u2019']);
/** Separators: the MRZ filler `<` between name parts, written as a space here. */
const SEPARATORS: ReadonlySet<string> = new Set(['-', ' ']);
/** Combining Diacritical Marks: an accent NFC could not compose with its letter. */
const COMBINING_MARK = /^[\u0300-\u036f]$/u;

/** The table for code points below U+0300, by code point: the common case, without NFC. */
const LATIN_TABLE: readonly (string | undefined)[] = Array.from({ length: 0x300 }, (_, code) =>
  ICAO_TRANSLITERATION.get(String.fromCharCode(code)),
);

/**
 * The same rules as the full walk below for text whose characters are all below U+0300 (or
 * the typographic apostrophe): such text is already NFC, so each character is one lookup.
 * Anything else — combining marks, other scripts, an empty result — returns undefined and
 * takes the full path, which also words the refusals.
 */
function transliterateLatin(text: string): string | undefined {
  let out = '';
  let separator = false;
  for (let i = 0; i < text.length; i += 1) {
    const code = text.charCodeAt(i);
    if (code === 0x27 || code === 0x2019) continue;
    if (code === 0x20 || code === 0x2d) {
      separator = out !== '';
      continue;
    }
    const replacement = code < 0x300 ? LATIN_TABLE[code] : undefined;
    if (replacement === undefined) return undefined;
    out += separator ? ` ${replacement}` : replacement;
    separator = false;
  }
  return out === '' ? undefined : out;
}

/** A document name part: A–Z words separated by single spaces. */
export const DOCUMENT_NAME_PATTERN = /^[A-Z]+( [A-Z]+)*$/;

export type NameErrorCode =
  /** A character neither the table nor the rules for apostrophes, hyphens and spaces cover. */
  | 'NAME_CHARACTER_REFUSED'
  /** Nothing is left to write (e.g. only apostrophes). */
  | 'NAME_EMPTY'
  /** Longer than the recipient's limit, and the policy is to refuse. */
  | 'NAME_TOO_LONG'
  /** The stored MRZ spelling is not A–Z and spaces. */
  | 'NAME_ON_DOCUMENT_INVALID';

/** A name that cannot be written: the path and field say which name, the rule why — never the value. */
export interface NameError extends CoreError {
  readonly code: NameErrorCode;
  /** The field id the name was read from, when known (`participant.surname`). */
  readonly field?: string;
}

/**
 * Why a character is refused. The rule says what kind of character it is, never which one:
 * naming the script (Cyrillic, Arabic …) would say something about the person.
 */
function refusalRule(char: string): string {
  if (/\p{L}/u.test(char)) {
    return 'contains a letter outside the ICAO 9303 Latin transliteration table; store the name as printed on the travel document';
  }
  if (/\p{N}/u.test(char)) return 'contains a digit';
  if (/\p{M}/u.test(char)) return 'contains a combining mark that follows no Latin letter';
  return 'contains a character other than letters, apostrophes, hyphens and spaces';
}

/**
 * A letter outside the table written as the table letter under its accents: the last
 * combining mark is dropped until what remains is in the table (`Ǻ` → `Å` → `AA`). Greek,
 * Cyrillic and other scripts have no base letter in the table and stay refused.
 */
function baseLetterOf(char: string): string | undefined {
  // Code points, not graphemes: the marks are taken off one by one.
  const marks = Array.from(char.normalize('NFD'));
  while (marks.length > 1 && COMBINING_MARK.test(marks[marks.length - 1] ?? '')) {
    marks.pop();
    const replacement = ICAO_TRANSLITERATION.get(marks.join('').normalize('NFC'));
    if (replacement !== undefined) return replacement;
  }
  return undefined;
}

/**
 * Writes a name as Doc 9303 would: NFC, then per character the table, apostrophes removed,
 * hyphens and spaces as separators; then spaces collapsed and trimmed. Accents the table
 * does not list are dropped from a Latin letter — whether NFC composed them into a letter
 * outside the table (`Ǻ`) or could not (`Q` + U+0308). Anything else is refused, one error
 * per kind of problem: never silently dropped.
 *
 * The result matches `DOCUMENT_NAME_PATTERN`; it is idempotent on text that already does.
 */
export function transliterateToIcao(text: string, path = ''): Result<string, NameError> {
  const fast = transliterateLatin(text);
  if (fast !== undefined) return ok(fast);
  const refusals = new Map<string, NameError>();
  let written = '';
  let afterLetter = false;
  for (const char of text.normalize('NFC')) {
    const replacement = ICAO_TRANSLITERATION.get(char) ?? baseLetterOf(char);
    if (replacement !== undefined) {
      written += replacement;
      afterLetter = true;
    } else if (COMBINING_MARK.test(char) && afterLetter) {
      // An accent on the letter just written: dropped, as the table drops accents.
    } else if (APOSTROPHES.has(char)) {
      afterLetter = false;
    } else if (SEPARATORS.has(char)) {
      written += ' ';
      afterLetter = false;
    } else {
      const rule = refusalRule(char);
      refusals.set(rule, { code: 'NAME_CHARACTER_REFUSED', path, rule });
      afterLetter = false;
    }
  }
  if (refusals.size > 0) return fail([...refusals.values()]);
  const words = written.split(' ').filter((word) => word !== '');
  if (words.length === 0) {
    return fail([{ code: 'NAME_EMPTY', path, rule: 'has no letters to write' }]);
  }
  return ok(words.join(' '));
}
