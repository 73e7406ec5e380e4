import { childPath } from './property-path.js';

/**
 * No payment data is ever accepted (input-model.md): a card number in a booking would put
 * the whole store in PCI DSS scope. A card-number-like token is 13 to 19 digits, possibly
 * grouped by spaces, dashes or dots (up to four between groups, as people and forms write
 * them: `4111  1111`, `4111 - 1111`, `4111.1111`, thin or ideographic spaces, full-width
 * digits), whose Luhn check digit is right.
 */

/** Luhn (ISO/IEC 7812-1) check over a string of digits. */
export function passesLuhn(digits: string): boolean {
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i -= 1) {
    let digit = digits.charCodeAt(i) - 48;
    if (digit < 0 || digit > 9) return false;
    if (double) {
      digit *= 2;
      if (digit > 9) digit -= 9;
    }
    sum += digit;
    double = !double;
  }
  return digits.length > 0 && sum % 10 === 0;
}

const MIN_DIGITS = 13;
const MAX_DIGITS = 19;

/**
 * Digit groups joined by one to four separators: any white space (after NFKC, which turns
 * full-width digits and dashes into ASCII ones), hyphens, dashes and the minus sign, dots.
 */
const DIGIT_RUN = /\d+(?:[\s.\-\u2010-\u2015\u2212]{1,4}\d+)*/gu;
const SEPARATORS = /[\s.\-\u2010-\u2015\u2212]{1,4}/u;
/**
 * Dates and instants (`2027-07-01`, `2027-07-01T10:30:00+02:00`) are taken out first: two
 * dates side by side are digit groups too, and a card is never grouped 4-2-2.
 */
const DATE_OR_INSTANT =
  /\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:\d{2})?)?/gu;

/** E.164: an international phone number has at most 15 digits. */
const PHONE_MAX_DIGITS = 15;

/**
 * Whether the text holds a card-number-like token. Within a run of grouped digits, every
 * span of whole groups of 13 to 19 digits is tried, so that a card written after another
 * number (`ref 12 4111 1111 1111 1111`) is still found; an ungrouped run is tried whole. A
 * run after `+` of at most 15 digits is an international phone number, not a card; one of
 * more is no phone number (`+4111 1111 1111 1111`).
 */
export function containsCardNumber(text: string): boolean {
  const normalized = text.normalize('NFKC').replace(DATE_OR_INSTANT, '/');
  for (const match of normalized.matchAll(DIGIT_RUN)) {
    const groups = match[0].split(SEPARATORS);
    const afterPlus = match.index > 0 && normalized[match.index - 1] === '+';
    if (afterPlus && groups.join('').length <= PHONE_MAX_DIGITS) continue;
    for (let first = 0; first < groups.length; first += 1) {
      let digits = '';
      for (let last = first; last < groups.length; last += 1) {
        digits += groups[last] ?? '';
        if (digits.length > MAX_DIGITS) break;
        if (digits.length >= MIN_DIGITS && passesLuhn(digits)) return true;
      }
    }
  }
  return false;
}

const beyondExactIntegers = (value: number): boolean =>
  Number.isFinite(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER;

/**
 * The paths of every string, number and property name in a raw JSON document that looks
 * like a card number — known and unknown properties alike. A property name found is
 * reported by its parent path with the name withheld. Iterative, so that no nesting depth
 * can exhaust the stack before validation gets to refuse it.
 */
export function findPaymentCardPaths(raw: unknown): string[] {
  const found: string[] = [];
  const pending: { readonly path: string; readonly value: unknown }[] = [{ path: '', value: raw }];
  for (let next = pending.pop(); next !== undefined; next = pending.pop()) {
    const { path, value } = next;
    if (typeof value === 'string') {
      if (containsCardNumber(value)) found.push(path);
    } else if (typeof value === 'number') {
      // An integer beyond 2^53 lost its last digits when the JSON was parsed: whether it was a
      // card number cannot be told, and no field of the input model holds such a number.
      if (beyondExactIntegers(value) || containsCardNumber(String(value))) found.push(path);
    } else if (typeof value === 'bigint') {
      if (containsCardNumber(String(value))) found.push(path);
    } else if (Array.isArray(value)) {
      for (let index = value.length - 1; index >= 0; index -= 1) {
        pending.push({ path: childPath(path, index), value: value[index] as unknown });
      }
    } else if (typeof value === 'object' && value !== null) {
      const entries = Object.entries(value).reverse();
      for (const [key, child] of entries) {
        if (containsCardNumber(key)) found.push(childPath(path, key));
        pending.push({ path: childPath(path, key), value: child as unknown });
      }
    }
  }
  return found;
}
