import { z } from 'zod';
import { UNIT_KINDS } from '../../fields/field-readers.js';
import { parseWithSchema } from '../../shared/parse-with-schema.js';
import { ok } from '../../shared/result.js';
import { ANY_DISCLOSABLE_FIELD, type PayloadFormat } from '../payload-format.js';
import { renderText } from '../render-text.js';
import { requiredFieldsOption } from '../required-option.js';
import { writeCsv } from './csv-writer.js';

const optionsSchema = z.strictObject({
  delimiter: z.enum([',', ';']).default(','),
  /** Column titles the recipient expects, by field id; the field id otherwise. */
  labels: z.record(z.string(), z.string().min(1).max(100)).default({}),
  /** Prefix a UTF-8 byte-order mark, for spreadsheet software that needs it. */
  bom: z.boolean().default(false),
  required: requiredFieldsOption,
});
export type CsvOptions = z.infer<typeof optionsSchema>;

/**
 * CSV per RFC 4180: a header row, one row per participant, CRLF line ends, UTF-8, fields
 * quoted when they hold the delimiter, a quote, CR or LF. Unit-level values (flight, stay,
 * trip) repeat on every row. A cell starting with `=`, `+`, `-`, `@`, tab or CR is made
 * inert with a leading `'` (OWASP CSV injection), since these lists are opened in
 * spreadsheets at the recipient's desk.
 */
export const csvFormat: PayloadFormat<CsvOptions> = {
  type: 'csv',
  standard: 'RFC 4180 (Common Format and MIME Type for CSV Files); OWASP CSV injection guidance',
  units: UNIT_KINDS,
  parseOptions: (raw) => parseWithSchema(optionsSchema, raw, 'FORMAT_OPTIONS_INVALID'),
  emits: () => ANY_DISCLOSABLE_FIELD,
  requires: (options) => options.required,
  serialize(unit, options) {
    const header = unit.fields.map((id) => options.labels[id] ?? id);
    const rows = unit.participants.map((participant) =>
      unit.fields.map((id) => {
        const value = participant.values[id] ?? unit.values[id];
        return value === undefined ? '' : renderText(value);
      }),
    );
    const content = writeCsv(header, rows, { delimiter: options.delimiter, bom: options.bom });
    return ok([{ suffix: 'csv', mediaType: 'text/csv; charset=utf-8', content }]);
  },
};
