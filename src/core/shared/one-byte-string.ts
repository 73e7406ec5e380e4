/** A character beyond Latin-1: a string that holds one is stored two bytes a character. */
const WIDE_CHARACTER = /[\u0100-\uffff]/;

/**
 * `text` as V8 stores it one byte a character when it can be: a string cut from a larger
 * one that held a character beyond Latin-1 (a contract's purpose, read from a file with
 * an em dash in a comment) is stored two bytes a character even when it has none itself,
 * and so is everything built from it — each register entry's canonical form and JSON, which
 * V8 then hashes, joins and encodes several times more slowly. The same characters.
 */
export function oneByteString(text: string): string {
  return WIDE_CHARACTER.test(text) ? text : latin1Copy(text);
}

/** A fresh copy of `text`, which must hold Latin-1 characters only: stored one byte a character. */
export function latin1Copy(text: string): string {
  return Buffer.from(text, 'latin1').toString('latin1');
}
