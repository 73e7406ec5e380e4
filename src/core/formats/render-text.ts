import { isFieldValueList, type FieldValue } from '../fields/field-value.js';

/**
 * One field value as a line of text, for tabular formats: lists joined by `; `, records by
 * `, ` in their key order (an address reads `891 Amsterdam Avenue, 10025, New York, NY, USA`),
 * flags as `true` / `false`.
 */
export function renderText(value: FieldValue): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (isFieldValueList(value)) return value.map(renderText).join('; ');
  return Object.values(value).map(renderText).join(', ');
}
