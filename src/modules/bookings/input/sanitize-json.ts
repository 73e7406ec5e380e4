import { JSON_DEPTH_LIMIT, JSON_PROPERTIES_LIMIT } from '../../http/json-body.js';
import { maxPropertiesRule, RULES, type InputError } from './input-error.js';
import { childPath } from './property-path.js';

/**
 * The limits every validated body has (`JSON_DEPTH_LIMIT`, `JSON_PROPERTIES_LIMIT`): deeper
 * than any document of the input model (only a free `marketing` object can nest), more
 * properties than any of its objects has. class-transformer copies by recursion, and
 * de-duplicates an object's keys by searching the list for each one — time in the square of
 * their number: a `marketing` object of 90,000 properties (under 1 MiB) held the event loop
 * for seven seconds.
 */
export const MAX_DEPTH = JSON_DEPTH_LIMIT;
export const MAX_PROPERTIES = JSON_PROPERTIES_LIMIT;
const TOO_MANY_PROPERTIES = maxPropertiesRule(MAX_PROPERTIES);

export interface SanitizedJson {
  readonly value: unknown;
  readonly errors: readonly InputError[];
}

/**
 * A copy of a raw JSON document that class-transformer can take safely. Property names that
 * exist on `Object.prototype` (`__proto__`, `constructor`, `toString`…) are dropped and
 * reported as unknown: class-transformer skips them silently, and `__proto__` or
 * `constructor` on a DTO instance would change which rules class-validator applies.
 * Values nested deeper than `MAX_DEPTH`, and objects of more than `MAX_PROPERTIES`, are
 * refused (and left out, `null`) before class-transformer sees them.
 */
export function sanitizeJson(raw: unknown): SanitizedJson {
  const errors: InputError[] = [];
  const copy = (value: unknown, path: string, depth: number): unknown => {
    if (typeof value !== 'object' || value === null) return value;
    if (depth >= MAX_DEPTH) {
      errors.push({ path, rule: RULES.tooDeep });
      return null;
    }
    if (Array.isArray(value)) {
      return value.map((item: unknown, index) => copy(item, childPath(path, index), depth + 1));
    }
    const entries = Object.entries(value);
    if (entries.length > MAX_PROPERTIES) {
      errors.push({ path, rule: TOO_MANY_PROPERTIES });
      return null;
    }
    const out: Record<string, unknown> = {};
    for (const [key, item] of entries) {
      if (Object.prototype.hasOwnProperty.call(Object.prototype, key)) {
        errors.push({ path: childPath(path, key), rule: RULES.unknownProperty });
      } else {
        out[key] = copy(item, childPath(path, key), depth + 1);
      }
    }
    return out;
  };
  const value = copy(raw, '', 0);
  return { value, errors };
}
