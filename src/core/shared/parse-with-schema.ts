import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { schemaIssuesToErrors } from './path.js';
import { fail, ok, type Result } from './result.js';

/** Validates a value against a schema; problems come back with their paths under `code`. */
export function parseWithSchema<S extends z.ZodType>(
  schema: S,
  raw: unknown,
  code: string,
): Result<z.output<S>> {
  const parsed = schema.safeParse(raw);
  return parsed.success ? ok(parsed.data) : fail(schemaIssuesToErrors(parsed.error.issues, code));
}

/** Parses YAML text, then validates it against a schema. */
export function parseYamlWithSchema<S extends z.ZodType>(
  schema: S,
  text: string,
  code: string,
): Result<z.output<S>> {
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch {
    return fail([{ code, path: '', rule: 'not valid YAML' }]);
  }
  return parseWithSchema(schema, raw, code);
}
