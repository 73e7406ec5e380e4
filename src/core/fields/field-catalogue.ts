import { z } from 'zod';
import { parseYamlWithSchema } from '../shared/parse-with-schema.js';
import { fail, ok, type CoreError, type Result } from '../shared/result.js';
import { FIELD_READERS, type FieldReader } from './field-readers.js';

export interface DataCategory {
  readonly id: string;
  /** Plain words, for reports to data subjects and the Art. 30 export. */
  readonly label: string;
  readonly special: boolean;
}

export interface FieldDefinition {
  readonly id: string;
  readonly category: string;
  /** Special-category data (GDPR Art. 9). */
  readonly special: boolean;
  /** False for data that never leaves (linter rule 4). */
  readonly disclosable: boolean;
  readonly description: string;
  /** Present exactly when the field is disclosable. */
  readonly reader?: FieldReader;
}

export interface FieldCatalogue {
  readonly categories: ReadonlyMap<string, DataCategory>;
  readonly fields: ReadonlyMap<string, FieldDefinition>;
}

const FIELD_ID = /^[a-z][A-Za-z]*(\.[a-z][A-Za-z]*)+$/;

const catalogueSchema = z.strictObject({
  categories: z.record(
    z.string().regex(/^[a-z][a-z.-]*$/),
    z.strictObject({ label: z.string().min(1), special: z.boolean().optional() }),
  ),
  fields: z.array(
    z.strictObject({
      id: z.string().regex(FIELD_ID),
      category: z.string(),
      special: z.boolean().optional(),
      disclosable: z.boolean().optional(),
      description: z.string().min(1),
    }),
  ),
});

/**
 * Parses `config/fields.yaml` and checks it against the readers: every disclosable id has a
 * reader and every reader is catalogued, so a field can neither leak unlisted nor be listed
 * without a way to read it.
 */
export function parseFieldCatalogue(
  text: string,
  readers: Readonly<Record<string, FieldReader>> = FIELD_READERS,
): Result<FieldCatalogue> {
  const parsed = parseYamlWithSchema(catalogueSchema, text, 'CATALOGUE_INVALID');
  if (!parsed.ok) return parsed;

  const errors: CoreError[] = [];
  const categories = new Map<string, DataCategory>();
  for (const [id, category] of Object.entries(parsed.value.categories)) {
    categories.set(id, { id, label: category.label, special: category.special ?? false });
  }
  const fields = new Map<string, FieldDefinition>();
  parsed.value.fields.forEach((field, index) => {
    const path = `fields[${index}]`;
    const category = categories.get(field.category);
    const special = field.special ?? false;
    const disclosable = field.disclosable ?? true;
    if (fields.has(field.id)) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: `${path}.id`,
        rule: `duplicate field id ${field.id}`,
      });
    }
    if (category === undefined) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: `${path}.category`,
        rule: 'unknown category',
      });
    } else if (category.special !== special) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: `${path}.special`,
        rule: `must match its category (${category.id} is ${category.special ? '' : 'not '}special)`,
      });
    }
    const reader = readers[field.id];
    if (disclosable && reader === undefined) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: `${path}.id`,
        rule: `no reader for ${field.id}`,
      });
    }
    if (!disclosable && reader !== undefined) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: `${path}.disclosable`,
        rule: `${field.id} has a reader but is marked never disclosed`,
      });
    }
    fields.set(field.id, {
      id: field.id,
      category: field.category,
      special,
      disclosable,
      description: field.description,
      ...(disclosable && reader !== undefined ? { reader } : {}),
    });
  });
  for (const id of Object.keys(readers)) {
    if (!fields.has(id)) {
      errors.push({
        code: 'CATALOGUE_INVALID',
        path: 'fields',
        rule: `readable field ${id} is not catalogued`,
      });
    }
  }
  return errors.length > 0 ? fail(errors) : ok({ categories, fields });
}
