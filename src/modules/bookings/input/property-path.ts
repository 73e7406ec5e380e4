import { joinPath } from '../../../core/shared/path.js';

/**
 * A property name from the input, as it may appear in an error path. Names are structure,
 * not values, but an unknown property can be named with anything — a card number, a
 * sentence — so only plain identifiers without long digit runs are echoed.
 */
const PLAIN_KEY = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const DIGIT_RUN = /\d{4}/;

export const WITHHELD_KEY = '<key withheld>';

export const safeKey = (key: string): string =>
  PLAIN_KEY.test(key) && !DIGIT_RUN.test(key) ? key : WITHHELD_KEY;

/** Appends a property (rendered by `safeKey`) or an array index to a path. */
export const childPath = (base: string, key: string | number): string =>
  joinPath(base, typeof key === 'number' ? key : safeKey(key));
