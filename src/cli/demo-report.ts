import type { ScheduleMoment } from '../core/contracts/contract.js';
import { CANCEL_REASONS } from '../core/planning/reconcile-plan.js';
import type { RegisterEntry } from '../core/register/register-entry.js';
import type { VerifyResult } from '../modules/register/register.service.js';
import type { Transmission } from '../modules/transmissions/transmissions.repository.js';

/** One transmission of the run, with what it wrote (paths relative to the working folder). */
export interface DemoTransmission {
  readonly transmission: Transmission;
  /** The contract's moment it was planned for, in words (`PT72H before flight.departure`). */
  readonly when: string;
  readonly files: readonly string[];
}

/** What `passerelle demo` prints: ids, codes, counts and paths — never a personal value. */
export interface DemoReport {
  readonly inputs: readonly string[];
  readonly trips: number;
  readonly bookings: number;
  readonly database: string;
  readonly queuePrefix: string;
  readonly outbox: string;
  readonly transmissions: readonly DemoTransmission[];
  readonly entries: readonly RegisterEntry[];
  readonly verify: VerifyResult;
}

/** The reason the sender gives when a payload is what the recipient already holds. */
const UNCHANGED = CANCEL_REASONS.unchanged;

/** A contract's send moment in words. */
export function describeMoment(moment: ScheduleMoment | undefined): string {
  if (moment === undefined) return '-';
  return moment.direction === 'at'
    ? `at ${moment.event}`
    : `${moment.offset} ${moment.direction} ${moment.event}`;
}

/** Left-aligned columns two spaces apart; the last column is not padded. */
export function renderTable(
  header: readonly string[],
  rows: readonly (readonly string[])[],
): string[] {
  const widths = header.map((title, column) =>
    Math.max(title.length, ...rows.map((row) => (row[column] ?? '').length)),
  );
  const format = (row: readonly string[]): string =>
    row
      .map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column] ?? 0)))
      .join('  ')
      .trimEnd();
  return [format(header), ...rows.map(format)];
}

/** A transmission's id as the tables show it: its first 8 characters, unique enough in one run. */
export const shortId = (id: string): string => id.slice(0, 8);

function statusOf(t: Transmission): string {
  switch (t.status) {
    case 'cancelled':
      return t.reason === UNCHANGED ? 'cancelled: unchanged' : `cancelled: ${t.reason ?? '-'}`;
    case 'failed':
      return `failed: ${t.lastError ?? '-'}`;
    default:
      return t.status;
  }
}

function transmissionRows(item: DemoTransmission): string[][] {
  const t = item.transmission;
  const details =
    item.files.length > 0
      ? item.files
      : t.problems.length > 0
        ? t.problems.map((p) => `${p.subject} ${p.field}: ${p.rule}`)
        : ['-'];
  const send = t.kind === 'resend' ? 'resend on change' : item.when;
  return details.map((detail, index) =>
    index === 0
      ? [shortId(t.id), t.tripId, t.contractId, t.unit, send, statusOf(t), detail]
      : ['', '', '', '', '', '', detail],
  );
}

function entryRow(entry: RegisterEntry): string[] {
  return [
    String(entry.seq),
    entry.event,
    entry.transmissionId === undefined ? '-' : shortId(entry.transmissionId),
    entry.tripId ?? '-',
    entry.contract?.id ?? '-',
    entry.recipient?.id ?? '-',
    entry.unit ?? '-',
    String(entry.subjects.length),
    String(entry.withheld.length),
    entry.fields.length === 0 ? '-' : entry.fields.join(','),
  ];
}

/** The counts of the run's outcomes, and whether every transmission ended as it should. */
export function summarizeOutcomes(transmissions: readonly Transmission[]): {
  readonly text: string;
  readonly ok: boolean;
} {
  const counts = new Map<string, number>();
  const add = (label: string): void => {
    counts.set(label, (counts.get(label) ?? 0) + 1);
  };
  for (const t of transmissions) {
    if (t.status === 'cancelled')
      add(t.reason === UNCHANGED ? 'cancelled as unchanged' : 'cancelled (unit gone)');
    else add(t.status);
  }
  const order = ['delivered', 'cancelled as unchanged', 'cancelled (unit gone)'];
  const labels = [
    ...order.filter((label) => counts.has(label)),
    ...[...counts.keys()].filter((label) => !order.includes(label)).sort(),
  ];
  const parts = labels.map((label) => `${counts.get(label) ?? 0} ${label}`);
  return {
    text: `${transmissions.length} transmission(s): ${parts.length === 0 ? 'none' : parts.join(', ')}`,
    ok: transmissions.every((t) => t.status === 'delivered' || t.status === 'cancelled'),
  };
}

/** The report, line by line; `ok` when every transmission ended well and the chain verifies. */
export function renderDemoReport(report: DemoReport): { lines: string[]; ok: boolean } {
  const lines: string[] = [];
  lines.push(
    `Passerelle demo: ${report.trips} trip(s) and ${report.bookings} booking(s) from ${report.inputs.join(', ')}`,
    `loaded through the ingest service into database ${report.database} (reset), queue prefix ${report.queuePrefix};`,
    `every contract's transport replaced by the outbox ${report.outbox}/<contract>/<transmission>/.`,
    '',
    `Transmissions (${report.transmissions.length}); ID: the start of the transmission's id, as in its files and register entries`,
    ...renderTable(
      ['ID', 'TRIP', 'CONTRACT', 'UNIT', 'SEND', 'STATUS', 'FILES'],
      report.transmissions.flatMap(transmissionRows),
    ),
    '',
    `Register entries of this run (${report.entries.length}): ids, field ids and counts, never a personal value`,
    ...renderTable(
      [
        'SEQ',
        'EVENT',
        'ID',
        'TRIP',
        'CONTRACT',
        'RECIPIENT',
        'UNIT',
        'SUBJECTS',
        'WITHHELD',
        'FIELDS',
      ],
      report.entries.map(entryRow),
    ),
    '',
  );
  const outcomes = summarizeOutcomes(report.transmissions.map((item) => item.transmission));
  const files = report.transmissions.reduce((sum, item) => sum + item.files.length, 0);
  lines.push(
    `${outcomes.text}; ${files} file(s) in ${report.outbox}; ${report.entries.length} register entries.`,
  );
  const v = report.verify;
  lines.push(
    v.intact
      ? `Register verification: intact (${v.count} entries, head seq ${v.headSeq}, hash ${v.headHash.slice(0, 16)}…).`
      : `Register verification: BROKEN (first bad entry ${v.firstBad ?? '-'}): ${v.problems.join('; ')}`,
  );
  return { lines, ok: outcomes.ok && v.intact };
}
