import { RULES, type InputError } from './input-error.js';
import { childPath } from './property-path.js';

/** Deeper than any document of the input model; only a free `marketing` object can nest. */
export const MAX_DEPTH = 32;

export interface SanitizedJson {
  readonly value: unknown;
  readonly errors: readonly InputError[];
}

/**
 * A copy of a raw JSON document that class-transformer can take safely. Property names that
 * exist on `Object.prototype` (`__proto__`, `constructor`, `toString`…) are dropped and
 * reported as unknown: class-transformer skips them silently, and `__proto__` or
 * `constructor` on a DTO instance would change which rules class-validator applies.
 * Values nested deeper than `MAX_DEPTH` are refused before any recursive library sees them.
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
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
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
