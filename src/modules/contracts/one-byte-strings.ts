/** A character beyond Latin-1: a string that holds one is stored two bytes a character. */
const WIDE = /[\u0100-\uffff]/;

/**
 * `text` as V8 stores it one byte a character when it can be: a string cut from a larger
 * one that held a character beyond Latin-1 (a contract's purpose, read from a file with
 * an em dash in a comment) is stored two bytes a character even when it has none itself,
 * and so is everything built from it — each register entry's canonical form and JSON, which
 * V8 then hashes, joins and encodes several times more slowly. The same characters.
 */
export function oneByteString(text: string): string {
  return WIDE.test(text) ? text : Buffer.from(text, 'latin1').toString('latin1');
}

/**
 * A copy of loaded configuration (plain objects, arrays, maps) whose strings — keys
 * included — are stored one byte a character where they can be (`oneByteString`); any
 * other value is kept as it is. Done once, when the catalog is loaded.
 */
export function withOneByteStrings<T>(value: T): T {
  return copy(value) as T;
}

function copy(value: unknown): unknown {
  if (typeof value === 'string') return oneByteString(value);
  if (Array.isArray(value)) return value.map(copy);
  if (value instanceof Map) {
    return new Map([...value].map(([key, item]) => [copy(key), copy(item)]));
  }
  if (
    value !== null &&
    typeof value === 'object' &&
    Object.getPrototypeOf(value) === Object.prototype
  ) {
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) out[oneByteString(key)] = copy(item);
    return out;
  }
  return value;
}
