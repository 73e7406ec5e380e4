import { oneByteString } from '../../core/shared/one-byte-string.js';

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
    // `Object.fromEntries` defines each key as an own property: assigned, a `__proto__` key
    // would set the copy's prototype instead (and be lost).
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [oneByteString(key), copy(item)]),
    );
  }
  return value;
}
