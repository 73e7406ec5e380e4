/**
 * A disclosed value: text, a flag, a list, or a small record (an address, a flight point).
 * Every leaf is a string or a boolean, so a serializer can render any field without knowing it.
 */
export type FieldValue =
  string | boolean | readonly FieldValue[] | { readonly [key: string]: FieldValue };

/** Every text leaf of a value, in order: what a payload may contain of it. */
export function textLeaves(value: FieldValue): string[] {
  if (typeof value === 'string') return [value];
  if (typeof value === 'boolean') return [String(value)];
  if (isFieldValueList(value)) return value.flatMap(textLeaves);
  return Object.values(value).flatMap(textLeaves);
}

export function isFieldValueList(value: FieldValue): value is readonly FieldValue[] {
  return Array.isArray(value);
}

/** Drops absent parts of a record so that `undefined` never reaches a serializer. */
export function compactRecord(
  record: Readonly<Record<string, FieldValue | undefined>>,
): Record<string, FieldValue> {
  const out: Record<string, FieldValue> = {};
  for (const [key, value] of Object.entries(record)) {
    if (value !== undefined) out[key] = value;
  }
  return out;
}
