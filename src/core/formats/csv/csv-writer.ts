/**
 * CSV text per RFC 4180 as the payloads and the record of processing write it: a header
 * row, then the rows, each ended by CRLF; a cell quoted when it holds the delimiter, a
 * quote, CR or LF, its quotes doubled; a cell a spreadsheet would take for a formula (its
 * first character `=`, `+`, `-`, `@`, tab, CR or their full-width forms) made inert with a
 * leading `'` (OWASP CSV injection). The same bytes as csv-stringify with `header`,
 * `record_delimiter: 'windows'`, `escape_formulas` and `quoted_match: /[\r\n]/` (a property
 * test compares the two), written in one pass: that library's per-call option handling and
 * per-cell casting were a sixth of what the worker allocated per transmission.
 */

/** First characters that make a spreadsheet read a cell as a formula. */
const FORMULA_STARTS = new Set([
  '=',
  '+',
  '-',
  '@',
  '\t',
  '\r',
  '\uFF1D',
  '\uFF0B',
  '\uFF0D',
  '\uFF20',
]);

/** One cell, quoted and made inert as needed. */
export function csvCell(value: string, delimiter: string): string {
  if (value === '') return '';
  const quotes = value.includes('"');
  const quoted =
    quotes || value.includes(delimiter) || value.includes('\n') || value.includes('\r');
  let cell = FORMULA_STARTS.has(value.charAt(0)) ? `'${value}` : value;
  if (quotes) cell = cell.replaceAll('"', '""');
  return quoted ? `"${cell}"` : cell;
}

export interface CsvOptions {
  readonly delimiter?: ',' | ';';
  /** Starts the text with a UTF-8 byte-order mark (U+FEFF). */
  readonly bom?: boolean;
}

/** The header and the rows; a row has as many cells as the header (extra cells are left out). */
export function writeCsv(
  header: readonly string[],
  rows: readonly (readonly string[])[],
  options: CsvOptions = {},
): string {
  const delimiter = options.delimiter ?? ',';
  const line = (cells: readonly string[]): string => {
    let text = '';
    const length = Math.min(cells.length, header.length);
    for (let i = 0; i < length; i += 1) {
      if (i > 0) text += delimiter;
      text += csvCell(cells[i] ?? '', delimiter);
    }
    return `${text}\r\n`;
  };
  let text = options.bom === true ? '\uFEFF' : '';
  text += line(header);
  for (const row of rows) text += line(row);
  return text;
}
