import { latin1Copy } from '../core/shared/one-byte-string.js';

/** Every character beyond Latin-1, to escape. */
const WIDE_ALL = /[\u0100-\uffff]/g;
const escapeWide = (char: string): string =>
  `\\u${char.charCodeAt(0).toString(16).padStart(4, '0')}`;

/**
 * The JSON of one item, as a string V8 stores one byte a character: characters beyond
 * Latin-1 escaped (`\uXXXX`, a pair for one beyond the BMP: the same JSON value), and the
 * text then copied into a fresh string (`latin1Copy`; none is left to look for) — JSON built
 * from text cut from wider text is stored two bytes a character even when it has no such
 * character itself.
 */
function oneByteJson(item: unknown): string {
  return latin1Copy(JSON.stringify(item).replace(WIDE_ALL, escapeWide));
}

/**
 * `items` as one JSON array, for a statement's parameter (`jsonb_populate_recordset`): the
 * same value as `JSON.stringify(items)`, written so that V8 can hand it to the driver quickly.
 * `JSON.stringify` of a whole batch returns a string made of pieces; once one character
 * of it is stored two bytes a character (text beyond Latin-1, or cut from such text),
 * measuring and encoding it as UTF-8 cost ~8 ns a character — ~0.75 ms for a batch of
 * fifty register entries, a fifth of the worker's time with the real register. Each item's
 * JSON is made one byte a character, and the pieces are joined into one string.
 */
export function jsonDocument(items: readonly unknown[]): string {
  return '[' + items.map(oneByteJson).join(',') + ']';
}
