import type { FieldCatalogue } from '../fields/field-catalogue.js';
import { isInEea } from '../model/countries.js';
import type { ControllerConfig } from './controller-config.js';
import {
  conditionInWords,
  escapeHtml,
  legalBasisInWords,
  recipientCategoryInWords,
  safeguardInWords,
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
  readonly transfer?: { readonly country: string; readonly safeguard: string };
  readonly tripId?: string;
  readonly contract?: { readonly id: string; readonly version: number };
}

export interface SubjectWithholding {
  readonly entryId: string;
  readonly date: string;
  readonly recipient: { readonly id: string; readonly name: string };
  readonly category: string;
  readonly reason: string;
}

/** A data subject's access report (GDPR Art. 15(1)(c)): who received what, when, why. */
export interface SubjectReport {
  readonly subjectId: string;
  readonly generatedAt: string;
  readonly controller: ControllerConfig['controller'];
  readonly dpo: ControllerConfig['dpo'];
  readonly disclosures: readonly SubjectDisclosure[];
  /** Values not shared, for want of consent or of a legal condition. */
  readonly withheld: readonly SubjectWithholding[];
  /** Attempts that did not reach the recipient. */
  readonly failedAttempts: number;
}

const DISCLOSED: ReadonlySet<string> = new Set(['disclosure-delivered', 'emergency-released']);

/**
 * Builds the report from the register entries that name the subject: disclosures delivered
 * or released (the categories are the contract's, in plain words), and values withheld.
 */
export function buildSubjectReport(
  subjectId: string,
  entries: readonly RegisterEntry[],
  catalogue: FieldCatalogue,
  controller: ControllerConfig,
  generatedAt: string,
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
    const categories = [
      ...new Set(
        entry.fields
          .filter((field) => !withheldHere.has(field))
          .map((field) => catalogue.fields.get(field)?.category)
          .filter((category): category is string => category !== undefined),
      ),
    ].map(label);
    disclosures.push({
      entryId: entry.id,
      date: entry.occurredAt,
      event: entry.event,
      recipient,
      purpose: entry.purpose ?? '',
      legalBasis: entry.legalBasis ?? '',
      ...(entry.specialCondition === undefined ? {} : { specialCondition: entry.specialCondition }),
      categories,
      ...(entry.transfer === undefined ? {} : { transfer: entry.transfer }),
      ...(entry.tripId === undefined ? {} : { tripId: entry.tripId }),
      ...(entry.contract === undefined
        ? {}
        : { contract: { id: entry.contract.id, version: entry.contract.version } }),
    });
  }
  return {
    subjectId,
    generatedAt,
    controller: controller.controller,
    dpo: controller.dpo,
    disclosures,
    withheld,
    failedAttempts,
  };
}

/**
 * An entry as it may be shown in the subject's own report: among its subjects only the
 * subject, among its withholdings only the subject's. A hotel's rooming list names the
 * co-travellers, and what was withheld from it says why (a meal code held back for want of
 * consent reveals a religion): neither is the subject's data to receive (Art. 15(4)). Its
 * hash is still the register's, over the whole entry: it names the entry, the DPO verifies.
 */
export function entryForSubject(entry: RegisterEntry, subjectId: string): RegisterEntry {
  return {
    ...entry,
    subjects: entry.subjects.filter((subject) => subject === subjectId),
    withheld: entry.withheld.filter((w) => w.subject === subjectId),
  };
}

const day = (instant: string): string => instant.slice(0, 10);

/** The report as a printable page a DPO can send to a parent. */
export function renderSubjectReportHtml(report: SubjectReport): string {
  const e = escapeHtml;
  const rows = report.disclosures
    .map((d) => {
      const transfer =
        d.transfer === undefined || isInEea(d.transfer.country)
          ? 'within the European Economic Area'
          : `to ${e(d.transfer.country)}, outside the European Economic Area — safeguard: ${e(safeguardInWords(d.transfer.safeguard))}`;
      return `<tr><td>${e(day(d.date))}</td><td>${e(d.recipient.name)}<br><small>${e(recipientCategoryInWords(d.recipient.category))} · ${e(d.recipient.id)}</small></td><td>${e(d.purpose)}</td><td>${e(legalBasisInWords(d.legalBasis))}${d.specialCondition === undefined ? '' : `<br><small>health or other sensitive data: ${e(conditionInWords(d.specialCondition))}</small>`}</td><td><ul>${d.categories.map((c) => `<li>${e(c)}</li>`).join('')}</ul></td><td>${transfer}</td></tr>`;
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
${report.disclosures.length === 0 ? '<p>No personal data of this participant has been disclosed to any recipient.</p>' : `<table><thead><tr><th>Date</th><th>Recipient</th><th>Why</th><th>Legal basis</th><th>Data shared</th><th>Transfer</th></tr></thead><tbody>\n${rows}\n</tbody></table>`}
${withheld}
${report.failedAttempts > 0 ? `<p>${report.failedAttempts} sending attempt(s) did not reach their recipient and were repeated or abandoned.</p>` : ''}
<h2>Your rights</h2>
<p>You may ask for a copy of the data, its correction or erasure, or object to its processing: write to the data protection officer, ${e(report.dpo.name)}, at ${e(report.dpo.email)}${report.dpo.address === undefined ? '' : `, ${e(report.dpo.address)}`}.</p>
<p>Controller: ${e(report.controller.name)}, ${e(report.controller.address)}.</p>
</body></html>
`;
}
