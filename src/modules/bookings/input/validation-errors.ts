import type { ValidationError } from 'class-validator';
import { isKnownRule, RULES, type InputError } from './input-error.js';
import { childPath } from './property-path.js';

/** `#3 must be an object`: the first item of an array that breaks the rule, by index. */
const ITEM_FINDING = /^#(\d+) (.*)$/s;
const INDEX = /^\d+$/;

/**
 * class-validator's error tree as input errors. Only rule texts defined in `RULES` pass
 * through — anything else becomes `invalid value` — so no message can quote a value.
 * Unknown properties (`whitelistValidation`) become `unknown property` at their own path.
 */
export function toInputErrors(
  errors: readonly ValidationError[],
  basePath = '',
  parentIsArray = false,
): InputError[] {
  return errors.flatMap((error) => {
    // Array items come back as properties "0", "1"…; they are rendered [0], [1].
    const path =
      parentIsArray && INDEX.test(error.property)
        ? childPath(basePath, Number(error.property))
        : childPath(basePath, error.property);
    return [
      ...Object.entries(error.constraints ?? {}).map(([constraint, message]) =>
        toInputError(path, constraint, message),
      ),
      ...toInputErrors(error.children ?? [], path, Array.isArray(error.value)),
    ];
  });
}

function toInputError(path: string, constraint: string, message: string): InputError {
  if (constraint === 'whitelistValidation') return { path, rule: RULES.unknownProperty };
  const item = ITEM_FINDING.exec(message);
  if (item !== null) {
    const [, index = '0', rule = ''] = item;
    return { path: `${path}[${index}]`, rule: isKnownRule(rule) ? rule : RULES.invalid };
  }
  return { path, rule: isKnownRule(message) ? message : RULES.invalid };
}
