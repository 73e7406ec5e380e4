import type { FieldCatalogue } from '../fields/field-catalogue.js';
import { isCountryCode } from '../model/country-codes.js';
import { isInEea } from '../model/countries.js';
import type { ControllerConfig } from './controller-config.js';
import { namesOthers, UNIT_PARTICIPANTS_DETAIL } from './disclosure-entry.js';
import {
  conditionInWords,
  escapeHtml,
  legalBasisInWords,
  namedAsOtherInWords,
  recipientCategoryInWords,
  transferInWords,
} from './plain-words.js';
import type { RegisterEntry } from './register-entry.js';

/** One disclosure about the subject, in the words of Art. 15(1)(c). */
export interface SubjectDisclosure {
  readonly entryId: string;
  readonly date: string;
  readonly event: string;
  readonly recipient: { readonly id: string; readonly name: string; readonly category: string };
  readonly purpose: string;
  readonly legalBasis: string;
  readonly specialCondition?: string;
  /** The categories of this subject's data disclosed, in plain words. */
  readonly categories: readonly string[];
  readonly transfer?: SubjectTransfer;
  readonly tripId?: string;
  readonly contract?: { readonly id: string; readonly version: number };
  /**
   * How long the recipient is asked to keep the data (Art. 15(1)(d)): the contract's
   * `retention`, as the contract loaded now says it (`P30D after flight.departure`).
   */
  readonly retention?: string;
}

/** Where the data went, as the register records it. */
export interface SubjectTransfer {
  /** Alpha-3, or null when the register does not record it (a carrier's or insurer's seat). */
  readonly country: string | null;
  /** False when outside the EEA; null when the country is not recorded. */
  readonly withinEea: boolean | null;
  /** The Chapter V safeguard, which applies if the recipient is outside the EEA. */
  readonly safeguard: string;
  /** The same, in the printable report's words. */
  readonly words: string;
}

export interface SubjectWithholding {
  readonly entryId: string;
  readonly date: string;
  readonly recipient: { readonly id: string; readonly name: string };
  readonly category: string;
  readonly reason: string;
}

/** A restriction of processing of the subject put, changed or lifted (Art. 18). */
export interface SubjectRestriction {
  readonly entryId: string;
  readonly date: string;
  readonly action: 'applied' | 'changed' | 'lifted';
  /** The contracts still sent while it held, each with its Art. 18(2) ground. */
  readonly exceptions: readonly { readonly contractId: string; readonly ground: string }[];
}

/** A data subject's access report (GDPR Art. 15(1)(c)): who received what, when, why. */
export interface SubjectReport {
  readonly subjectId: string;
  readonly generatedAt: string;
  readonly controller: ControllerConfig['controller'];
  readonly dpo: ControllerConfig['dpo'];
  /** Where the data disclosed came from (Art. 15(1)(g)). */
  readonly source: string;
  /** Where the subject may lodge a complaint (Art. 15(1)(f)); null when not configured. */
  readonly supervisoryAuthority: NonNullable<ControllerConfig['supervisoryAuthority']> | null;
  readonly disclosures: readonly SubjectDisclosure[];
  /** Values not shared, for want of consent or of a legal condition. */
  readonly withheld: readonly SubjectWithholding[];
  /** Attempts that did not reach the recipient. */
  readonly failedAttempts: number;
  /** Restrictions of processing put, changed or lifted, oldest first. */
  readonly restrictions: readonly SubjectRestriction[];
}

const RESTRICTION_ACTIONS: Readonly<Record<string, SubjectRestriction['action']>> = {
  'restriction-applied': 'applied',
  'restriction-changed': 'changed',
  'restriction-lifted': 'lifted',
};

/**
 * A restriction's exceptions as its register entry's `detail.exceptions` holds them:
 * `contract:ground,contract:ground` (contract ids and grounds never hold a colon or comma);
 * read back by `restrictionsOf`.
 */
export const restrictionExceptionsDetail = (exceptions: SubjectRestriction['exceptions']): string =>
  exceptions.map((exception) => `${exception.contractId}:${exception.ground}`).join(',');

/** A restriction's entry as the report shows it; undefined for any other entry. */
function restrictionOf(entry: RegisterEntry): SubjectRestriction | undefined {
  const action = entry.event === 'ops-action' ? entry.detail?.action : undefined;
  const shown = typeof action === 'string' ? RESTRICTION_ACTIONS[action] : undefined;
  if (shown === undefined) return undefined;
  // As `restrictionExceptionsDetail` writes them.
  const written = entry.detail?.exceptions;
  const exceptions = (typeof written === 'string' && written !== '' ? written.split(',') : []).map(
    (pair) => {
      const [contractId = '', ground = ''] = pair.split(':');
      return { contractId, ground };
    },
  );
  return { entryId: entry.id, date: entry.occurredAt, action: shown, exceptions };
}

/**
 * The subject's restrictions of processing put, changed or lifted, oldest first: for their
 * access report, and for the recipients to tell of them (Art. 19).
 */
export function restrictionsOf(
  subjectId: string,
  entries: readonly RegisterEntry[],
): SubjectRestriction[] {
  return [...entries]
    .sort((a, b) => a.seq - b.seq)
    .flatMap((entry) => {
      const restriction = entry.subjects.includes(subjectId) ? restrictionOf(entry) : undefined;
      return restriction === undefined ? [] : [restriction];
    });
}

const DISCLOSED: ReadonlySet<string> = new Set(['disclosure-delivered', 'emergency-released']);

/** `participant:<id>[:insurer:<insurer id>]` (ids are `[A-Za-z0-9._-]`, never a colon). */
const PARTICIPANT_UNIT = /^participant:([^:]+)((?::insurer:.*)?)$/;
/** `booking:<reference>[:insurer:<insurer id>]`: another family's reference. */
const BOOKING_UNIT = /^booking:([^:]+)((?::insurer:.*)?)$/;

/**
 * Whether the subject is one of the entry's unit's participants — else they are named only
 * through fields that name others (`namesOthers`: a group leader in another participant's
 * emergency data), and only those fields are theirs. A participant unit's key tells; other
 * units tell by the entry's `detail` (`UNIT_PARTICIPANTS_DETAIL`), which entries written
 * before it lack: those are taken as the unit's, as they always were (over-reporting to the
 * subject rather than hiding a disclosure of their own data).
 */
function isUnitParticipant(entry: RegisterEntry, subjectId: string): boolean {
  const participant = PARTICIPANT_UNIT.exec(entry.unit ?? '');
  if (participant !== null) return participant[1] === subjectId;
  const count = entry.detail?.[UNIT_PARTICIPANTS_DETAIL];
  if (typeof count !== 'number') return true;
  const index = entry.subjects.indexOf(subjectId);
  return index >= 0 && index < count;
}

/** The entry's fields that are the subject's data: all, or those naming others only. */
function fieldsOfSubject(
  entry: RegisterEntry,
  subjectId: string,
  catalogue: FieldCatalogue,
): { readonly own: boolean; readonly fields: readonly string[] } {
  if (isUnitParticipant(entry, subjectId)) return { own: true, fields: entry.fields };
  return {
    own: false,
    fields: entry.fields.filter((field) => namesOthers(catalogue.fields.get(field))),
  };
}

/** The unit as someone not among its participants may see it: not their id, nor booking. */
function unitForOthers(unit: string | undefined): string | undefined {
  if (unit === undefined) return unit;
  const participant = PARTICIPANT_UNIT.exec(unit);
  if (participant !== null) return `participant:(another participant)${participant[2] ?? ''}`;
  const booking = BOOKING_UNIT.exec(unit);
  if (booking !== null) return `booking:(another booking)${booking[2] ?? ''}`;
  return unit;
}

function transferForSubject(transfer: {
  readonly country: string;
  readonly safeguard: string;
}): SubjectTransfer {
  const recorded = isCountryCode(transfer.country);
  return {
    country: recorded ? transfer.country : null,
    withinEea: recorded ? isInEea(transfer.country) : null,
    safeguard: transfer.safeguard,
    words: transferInWords(transfer),
  };
}

/**
 * Builds the report from the register entries that name the subject: disclosures delivered
 * or released (the categories of the subject's fields, in plain words: all the entry's for
 * one of the unit's participants, those naming others for someone named only by them), and
 * values withheld.
 */
export function buildSubjectReport(
  subjectId: string,
  entries: readonly RegisterEntry[],
  catalogue: FieldCatalogue,
  controller: ControllerConfig,
  generatedAt: string,
  /** A contract's `retention` by its id (the catalogue loaded now); undefined if unknown. */
  retentionOf: (contractId: string) => string | undefined = () => undefined,
): SubjectReport {
  const label = (category: string): string => catalogue.categories.get(category)?.label ?? category;
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  const disclosures: SubjectDisclosure[] = [];
  const withheld: SubjectWithholding[] = [];
  let failedAttempts = 0;
  for (const entry of ordered) {
    if (!entry.subjects.includes(subjectId)) continue;
    const recipient = entry.recipient ?? { id: 'unknown', name: 'unknown', category: 'unknown' };
    if (entry.event === 'disclosure-failed') failedAttempts += 1;
    for (const w of entry.withheld) {
      // What was actually held back from a recipient: not repeated for attempts and failures.
      if (
        w.subject !== subjectId ||
        !(DISCLOSED.has(entry.event) || entry.event === 'disclosure-withheld')
      )
        continue;
      const field = catalogue.fields.get(w.field);
      withheld.push({
        entryId: entry.id,
        date: entry.occurredAt,
        recipient: { id: recipient.id, name: recipient.name },
        category: label(field?.category ?? w.field),
        reason:
          w.reason === 'no-consent'
            ? 'no consent was given to share it'
            : 'no legal condition allows sharing it',
      });
    }
    if (!DISCLOSED.has(entry.event)) continue;
    const withheldHere = new Set(
      entry.withheld.filter((w) => w.subject === subjectId).map((w) => w.field),
    );
    const { own, fields } = fieldsOfSubject(entry, subjectId, catalogue);
    const sent = fields.filter((field) => !withheldHere.has(field));
    const categories = [
      ...new Set(
        sent.flatMap((field) => {
          const category = catalogue.fields.get(field)?.category;
          if (category === undefined) return [];
          return [own ? label(category) : (namedAsOtherInWords(field) ?? label(category))];
        }),
      ),
    ];
    // The Art. 9(2) condition is the special-category data's: said only if some of the
    // subject's left — not when all of theirs was withheld (a parent who refused consent
    // would read that it went on their consent). A field the catalogue no longer knows may
    // have been special: said for the subject's own entries (over-reporting rather than hiding).
    const specialCondition = sent.some((field) => {
      const definition = catalogue.fields.get(field);
      return definition === undefined ? own : definition.special;
    })
      ? entry.specialCondition
      : undefined;
    const retention = entry.contract === undefined ? undefined : retentionOf(entry.contract.id);
    disclosures.push({
      entryId: entry.id,
      date: entry.occurredAt,
      event: entry.event,
      recipient,
      purpose: entry.purpose ?? '',
      legalBasis: entry.legalBasis ?? '',
      ...(specialCondition === undefined ? {} : { specialCondition }),
      categories,
      ...(entry.transfer === undefined ? {} : { transfer: transferForSubject(entry.transfer) }),
      ...(entry.tripId === undefined ? {} : { tripId: entry.tripId }),
      ...(entry.contract === undefined
        ? {}
        : { contract: { id: entry.contract.id, version: entry.contract.version } }),
      ...(retention === undefined ? {} : { retention }),
    });
  }
  return {
    subjectId,
    generatedAt,
    controller: controller.controller,
    dpo: controller.dpo,
    source: `the booking made with ${controller.controller.name} — by the participant or, for a minor, a legal representative — and sent by its booking system`,
    supervisoryAuthority: controller.supervisoryAuthority ?? null,
    disclosures,
    withheld,
    failedAttempts,
    restrictions: restrictionsOf(subjectId, ordered),
  };
}

/**
 * An entry as it may be shown in the subject's own report: among its subjects only the
 * subject, among its withholdings only the subject's. A hotel's rooming list names the
 * co-travellers, and what was withheld from it says why (a meal code held back for want of
 * consent reveals a religion): neither is the subject's data to receive (Art. 15(4)). To a
 * subject named only through fields naming others (a leader in a participant's emergency
 * release), neither the unit's participant nor that participant's fields, categories and
 * Art. 9(2) condition: which minor had a medical release is not the leader's to know. Its
 * hash is still the register's, over the whole entry: it names the entry, the DPO verifies.
 */
export function entryForSubject(
  entry: RegisterEntry,
  subjectId: string,
  catalogue: FieldCatalogue,
): RegisterEntry {
  const { own, fields } = fieldsOfSubject(entry, subjectId, catalogue);
  const subjects = entry.subjects.filter((subject) => subject === subjectId);
  const withheld = entry.withheld.filter((w) => w.subject === subjectId);
  if (own) return { ...entry, subjects, withheld };
  const unit = unitForOthers(entry.unit);
  const definitions = fields.map((field) => catalogue.fields.get(field));
  const categories = entry.categories.filter((category) =>
    definitions.some((field) => field?.category === category),
  );
  const { specialCondition, ...rest } = entry;
  return {
    ...rest,
    ...(unit === undefined ? {} : { unit }),
    ...(specialCondition !== undefined && definitions.some((field) => field?.special === true)
      ? { specialCondition }
      : {}),
    subjects,
    fields,
    categories,
    withheld,
  };
}

const day = (instant: string): string => instant.slice(0, 10);

/** `P30D after flight.departure` → `30 days after the flight’s departure`. */
const RETENTION_EVENTS: Readonly<Record<string, string>> = {
  'flight.departure': 'the flight’s departure',
  'stay.checkIn': 'the check-in',
  'stay.checkOut': 'the check-out',
  'trip.start': 'the start of the trip',
  'trip.end': 'the end of the trip',
  'booking.confirmed': 'the booking’s confirmation',
};
const RETENTION_UNITS: Readonly<Record<string, string>> = {
  Y: 'year',
  M: 'month',
  W: 'week',
  D: 'day',
};
export function retentionInWords(retention: string): string {
  const match = /^P(\d+)([YMWD]) after (\S+)$/.exec(retention);
  if (match === null) return retention;
  const [, count = '', unit = '', event = ''] = match;
  const word = `${RETENTION_UNITS[unit] ?? unit}${count === '1' ? '' : 's'}`;
  return `${count} ${word} after ${RETENTION_EVENTS[event] ?? event}`;
}

const GROUND_WORDS: Readonly<Record<string, string>> = {
  consent: 'with your consent',
  'legal-claims': 'for legal claims',
  'protection-of-others': 'to protect the rights of another person',
  'public-interest': 'for an important public interest',
};

/** The restrictions of processing, in words; nothing when there was none. */
function restrictionsHtml(restrictions: readonly SubjectRestriction[]): string {
  if (restrictions.length === 0) return '';
  const e = escapeHtml;
  const item = (r: SubjectRestriction): string => {
    const what =
      r.action === 'lifted'
        ? 'the restriction of processing was lifted'
        : `processing was restricted${r.action === 'changed' ? ' (changed)' : ''}: your data is no longer sent to recipients${
            r.exceptions.length === 0
              ? ''
              : `, except under ${r.exceptions
                  .map((x) => `${e(x.contractId)} (${e(GROUND_WORDS[x.ground] ?? x.ground)})`)
                  .join(', ')}`
          }`;
    return `<li>${e(day(r.date))} — ${what}.</li>`;
  };
  return `<h2>Restriction of processing</h2><ul>${restrictions.map(item).join('')}</ul>`;
}

/** An entry's conditions, each in words: it records every condition of its contract, comma-separated. */
const conditionsInWords = (recorded: string): string =>
  recorded.split(',').map(conditionInWords).join('; ');

/** The report as a printable page a DPO can send to a parent. */
export function renderSubjectReportHtml(report: SubjectReport): string {
  const e = escapeHtml;
  const rows = report.disclosures
    .map((d) => {
      const transfer = e(d.transfer?.words ?? transferInWords(undefined));
      return `<tr><td>${e(day(d.date))}</td><td>${e(d.recipient.name)}<br><small>${e(recipientCategoryInWords(d.recipient.category))} · ${e(d.recipient.id)}</small></td><td>${e(d.purpose)}</td><td>${e(legalBasisInWords(d.legalBasis))}${d.specialCondition === undefined ? '' : `<br><small>health or other sensitive data: ${e(conditionsInWords(d.specialCondition))}</small>`}</td><td><ul>${d.categories.map((c) => `<li>${e(c)}</li>`).join('')}</ul></td><td>${transfer}</td><td>${d.retention === undefined ? 'not recorded' : e(retentionInWords(d.retention))}</td></tr>`;
    })
    .join('\n');
  const withheld =
    report.withheld.length === 0
      ? ''
      : `<h2>Information we did not share</h2><ul>${report.withheld
          .map(
            (w) =>
              `<li>${e(day(w.date))} — ${e(w.category)}, not sent to ${e(w.recipient.name)}: ${e(w.reason)}.</li>`,
          )
          .join('')}</ul>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Who received this participant's data</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem;color:#111}table{border-collapse:collapse;width:100%}th,td{border:1px solid #999;padding:.4rem;vertical-align:top;text-align:left}th{background:#eee}small{color:#555}@media print{body{margin:0}}</style></head>
<body>
<h1>Who received this participant's data</h1>
<p>Participant reference: <strong>${e(report.subjectId)}</strong>. Report of ${e(day(report.generatedAt))}, from the register of disclosures of ${e(report.controller.name)} (GDPR Article 15(1)(c)).</p>
${report.disclosures.length === 0 ? '<p>No personal data of this participant has been disclosed to any recipient.</p>' : `<table><thead><tr><th>Date</th><th>Recipient</th><th>Why</th><th>Legal basis</th><th>Data shared</th><th>Transfer</th><th>Kept by the recipient</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
${withheld}
${report.failedAttempts > 0 ? `<p>${report.failedAttempts} sending attempt(s) did not reach their recipient and were repeated or abandoned.</p>` : ''}
${restrictionsHtml(report.restrictions)}
<p>Where the data came from: ${e(report.source)}.</p>
<h2>Your rights</h2>
<p>You may ask for a copy of the data, its correction or erasure, to restrict its processing, or object to it; the recipients above are told of a correction or erasure, and you may ask which they are: write to the data protection officer, ${e(report.dpo.name)}, at ${e(report.dpo.email)}${report.dpo.address === undefined ? '' : `, ${e(report.dpo.address)}`}.</p>
${report.supervisoryAuthority === null ? '' : `<p>You may also lodge a complaint with the supervisory authority, ${e(report.supervisoryAuthority.name)}: ${e(report.supervisoryAuthority.url)}.</p>`}
<p>Controller: ${e(report.controller.name)}, ${e(report.controller.address)}.</p>
</body></html>
`;
}
