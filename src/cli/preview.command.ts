import { createHash } from 'node:crypto';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { formatProblem } from '../core/contracts/lint-contracts.js';
import {
  filesDigest,
  renderContractUnits,
  unitFileStem,
  type RenderedUnit,
} from '../core/projection/render-unit.js';
import {
  loadContractCatalog,
  type LoadedContract,
} from '../modules/contracts/load-contract-catalog.js';
import { isCalendarDate } from '../modules/bookings/input/calendar.js';
import { isPeriodBound } from '../modules/shared/period-bound.js';
import { isSafePathSegment } from '../modules/transports/delivery-names.js';
import { EXIT, type CliIo } from './cli-io.js';
import { readTripInput } from './read-trip-input.js';

export interface PreviewOptions {
  readonly trip: string;
  readonly bookings: string;
  readonly contract: readonly string[];
  readonly contracts: string;
  readonly config: string;
  readonly out: string;
  /** ISO 8601 instant; the current time when absent. */
  readonly now?: string;
  /** A table for people instead of JSON lines. */
  readonly summary?: boolean;
}

/** One line of `passerelle preview` per unit (interfaces.md). */
export interface PreviewLine {
  readonly contract: string;
  readonly contractVersion: number;
  readonly recipient: string;
  readonly unit: string;
  readonly subjects: readonly string[];
  readonly fields: readonly string[];
  readonly withheld: RenderedUnit['withheld'];
  readonly files: readonly string[];
  readonly sha256: string;
  readonly bytes: number;
  readonly errors: RenderedUnit['errors'];
}

const INSTANT_WITH_OFFSET = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;

/** A stable 12-character reference per contract and unit, so that previews are reproducible. */
export function previewReference(contractId: string, unitKey: string): string {
  const digest = createHash('sha256').update(`${contractId}\u0000${unitKey}`).digest();
  return BigInt(`0x${digest.subarray(0, 8).toString('hex')}`)
    .toString(36)
    .toUpperCase()
    .padStart(12, '0')
    .slice(-12);
}

/** The UTC calendar day of an instant (`+010000-…` past year 9999), or undefined when unreadable. */
function utcDayOf(instant: string): string | undefined {
  const time = Date.parse(instant);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString().slice(0, 10);
}

/**
 * Renders what each contract would send for a trip, without sending and without any
 * service: one file per payload part under `--out`, one JSON line per unit on stdout.
 * Exit 0 when every unit rendered, 2 on invalid input or contracts (nothing written),
 * 3 when some units could not be rendered for missing data.
 */
export async function runPreview(options: PreviewOptions, io: CliIo): Promise<number> {
  const now = options.now ?? new Date().toISOString();
  // `isPeriodBound` checks that the day exists: `Date.parse` rolls 2027-02-30 over to
  // March, and the input's validation then failed on a day it cannot read.
  // "Today", for a date of birth, is the UTC day of `now`, as ingest takes it — not the
  // local date `now` is written in (an evening in New York is already tomorrow in UTC).
  const today = utcDayOf(now);
  if (
    !INSTANT_WITH_OFFSET.test(now) ||
    !isPeriodBound(now) ||
    today === undefined ||
    !isCalendarDate(today)
  ) {
    io.stderr('--now: must be an ISO 8601 instant with an offset');
    return EXIT.invalidInput;
  }
  const loaded = await loadContractCatalog({
    contractsDir: options.contracts,
    configDir: options.config,
  });
  if (loaded.catalog === undefined) {
    for (const problem of loaded.problems) io.stderr(formatProblem(problem));
    return EXIT.invalidInput;
  }
  const catalog = loaded.catalog;
  const input = await readTripInput(options.trip, options.bookings, today);
  if (!input.ok) {
    for (const error of input.errors) io.stderr(`${error.path}: ${error.rule}`);
    return EXIT.invalidInput;
  }
  // The trip id names a folder under --out that is emptied first: `..` or a hidden name
  // would empty --out itself or write beside it.
  if (!isSafePathSegment(input.trip.id)) {
    io.stderr('trip.id: must be usable as a folder name (not "." or "..", not hidden)');
    return EXIT.invalidInput;
  }
  const selected: LoadedContract[] = [];
  for (const id of options.contract.length > 0 ? options.contract : [...catalog.contracts.keys()]) {
    const contract = catalog.contracts.get(id);
    if (contract === undefined) {
      io.stderr(
        `--contract: unknown contract ${id} (known: ${[...catalog.contracts.keys()].join(', ')})`,
      );
      return EXIT.invalidInput;
    }
    selected.push(contract);
  }

  const lines: PreviewLine[] = [];
  for (const { contract } of selected) {
    const units = renderContractUnits({
      trip: input.trip,
      bookings: input.bookings,
      contract,
      catalogue: catalog.catalogue,
      formats: catalog.formats,
      now,
      contextFor: (unit) => ({
        reference: previewReference(contract.id, unit.unit.key),
        preparedAt: now,
      }),
    });
    const dir = join(options.out, contract.id, input.trip.id);
    await rm(dir, { recursive: true, force: true });
    for (const unit of units) {
      const files: string[] = [];
      if (unit.files.length > 0) await mkdir(dir, { recursive: true });
      for (const file of unit.files) {
        const path = join(dir, `${unitFileStem(unit.unit)}.${file.suffix}`);
        await writeFile(path, file.content, 'utf8');
        files.push(path);
      }
      const { sha256, bytes } = filesDigest(unit.files);
      lines.push({
        contract: contract.id,
        contractVersion: contract.version,
        recipient: unit.recipient.id,
        unit: unit.unit.key,
        subjects: unit.subjects,
        fields: unit.payload.fields,
        withheld: unit.withheld,
        files,
        sha256: files.length > 0 ? sha256 : '',
        bytes,
        errors: unit.errors,
      });
    }
  }
  if (options.summary === true) printSummary(lines, io);
  else for (const line of lines) io.stdout(JSON.stringify(line));
  return lines.some((line) => line.errors.length > 0) ? EXIT.unitsNotRendered : EXIT.ok;
}

function printSummary(lines: readonly PreviewLine[], io: CliIo): void {
  const rows = lines.map((line) => [
    line.contract,
    line.unit,
    line.recipient,
    String(line.subjects.length),
    String(line.fields.length),
    line.withheld.length === 0 ? '-' : summarizeWithheld(line.withheld),
    line.errors.length > 0
      ? `NOT RENDERED: ${line.errors.map((e) => `${e.subject} ${e.field} ${e.rule}`).join('; ')}`
      : line.files.join(' '),
  ]);
  const header = ['CONTRACT', 'UNIT', 'RECIPIENT', 'SUBJECTS', 'FIELDS', 'WITHHELD', 'FILES'];
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ');
  io.stdout(format(header));
  for (const row of rows) io.stdout(format(row));
  const withheld = lines.reduce((sum, line) => sum + line.withheld.length, 0);
  io.stdout(
    `\n${lines.length} unit(s), ${withheld} value(s) withheld for want of consent; payloads under the paths shown.`,
  );
}

function summarizeWithheld(withheld: PreviewLine['withheld']): string {
  const counts = new Map<string, number>();
  for (const entry of withheld) counts.set(entry.field, (counts.get(entry.field) ?? 0) + 1);
  return [...counts].map(([field, count]) => `${field} ×${count}`).join(', ');
}
