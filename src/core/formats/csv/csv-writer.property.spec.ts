import fc from 'fast-check';
import { stringify } from 'csv-stringify/sync';
import { describe, expect, it } from 'vitest';
import { writeCsv } from './csv-writer.js';

/** csv-stringify with the options the payloads and the record were written with before the writer. */
const reference = (
  header: readonly string[],
  rows: readonly (readonly string[])[],
  delimiter: ',' | ';',
  bom: boolean,
): string =>
  stringify(
    rows.map((row) => [...row]),
    {
      header: true,
      columns: [...header],
      delimiter,
      record_delimiter: 'windows',
      escape_formulas: true,
      quoted_match: /[\r\n]/,
      bom,
    },
  );

/** Cells with what CSV quotes and what a spreadsheet takes for a formula, often empty. */
const arbCell = fc
  .array(
    fc.constantFrom(
      ',',
      ';',
      '"',
      '\r',
      '\n',
      '\r\n',
      '=',
      '+',
      '-',
      '@',
      '\t',
      '\uFF1D',
      '\uFF0B',
      '\uFF0D',
      '\uFF20',
      "'",
      ' ',
      'aZ',
      'é9',
      '𝓐',
      '1',
    ),
    { maxLength: 6 },
  )
  .map((parts) => parts.join(''));

describe('the CSV writer', () => {
  it('writes what csv-stringify writes, for any table', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }).chain((width) =>
          fc.tuple(
            fc.array(arbCell, { minLength: width, maxLength: width }),
            fc.array(fc.array(arbCell, { minLength: width, maxLength: width }), {
              maxLength: 5,
            }),
          ),
        ),
        fc.constantFrom(',' as const, ';' as const),
        fc.boolean(),
        ([header, rows], delimiter, bom) => {
          expect(writeCsv(header, rows, { delimiter, bom })).toBe(
            reference(header, rows, delimiter, bom),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it('quotes what must be, doubles quotes, and makes formulas inert', () => {
    expect(writeCsv(['a', 'b;c'], [['=1+1', 'say "hi"\r\nbye']], { delimiter: ';' })).toBe(
      'a;"b;c"\r\n\'=1+1;"say ""hi""\r\nbye"\r\n',
    );
    expect(writeCsv(['h'], [], { bom: true })).toBe('\uFEFFh\r\n');
  });
});
