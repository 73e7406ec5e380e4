import type { z } from 'zod';
import type { CoreError } from './result.js';

/** `['participants', 2, 'documents', 0, 'expiryDate']` → `participants[2].documents[0].expiryDate`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}

export function joinPath(base: string, key: string | number): string {
  if (typeof key === 'number') return `${base}[${key}]`;
  return base === '' ? key : `${base}.${key}`;
}

/**
 * Schema issues as core errors. The messages name the rule (expected type, allowed values,
 * pattern) and never repeat the value found, so they are safe for any input.
 */
export function schemaIssuesToErrors(
  issues: readonly z.core.$ZodIssue[],
  code: string,
  basePath = '',
): CoreError[] {
  return issues.flatMap((issue): CoreError[] => {
    const path = formatPath([...(basePath === '' ? [] : [basePath]), ...issue.path]);
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => ({ code, path: joinPath(path, key), rule: 'unknown key' }));
    }
    return [{ code, path, rule: ruleOf(issue) }];
  });
}

function ruleOf(issue: z.core.$ZodIssue): string {
  switch (issue.code) {
    case 'invalid_type':
      return issue.message.endsWith('received undefined')
        ? 'required'
        : `must be ${issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map((v) => String(v)).join(', ')}`;
    case 'invalid_format':
      return issue.format === 'regex' && 'pattern' in issue
        ? `must match ${String(issue.pattern)}`
        : `must be a valid ${issue.format}`;
    case 'too_small':
      return issue.origin === 'array'
        ? `must have at least ${String(issue.minimum)} item(s)`
        : issue.origin === 'string'
          ? `must be at least ${String(issue.minimum)} character(s)`
          : `must be at least ${String(issue.minimum)}`;
    case 'too_big':
      return issue.origin === 'array'
        ? `must have at most ${String(issue.maximum)} item(s)`
        : issue.origin === 'string'
          ? `must be at most ${String(issue.maximum)} character(s)`
          : `must be at most ${String(issue.maximum)}`;
    case 'custom':
      return issue.message;
    default:
      return issue.message;
  }
}
