import { FROM_UNIT, type Contract } from '../contracts/contract.js';
import { writeCsv } from '../formats/csv/csv-writer.js';
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

/** What the register says was disclosed under one contract in the period. */
export interface ActivityStatistics {
  readonly disclosures: number;
  readonly subjects: number;
  readonly lastDisclosedAt: string | null;
  readonly failures: number;
  readonly withheld: number;
}

export interface ProcessingActivity {
  readonly contractId: string;
  readonly contractVersion: number;
  readonly contractSha256: string;
  readonly name: string;
  readonly purposes: readonly string[];
  readonly legalBasis: { readonly basis: string; readonly words: string };
  readonly specialCategories: readonly {
    readonly condition: string;
    readonly words: string;
    readonly categories: readonly string[];
  }[];
  readonly categoriesOfDataSubjects: readonly string[];
  readonly categoriesOfData: readonly {
    readonly id: string;
    readonly label: string;
    readonly special: boolean;
  }[];
  readonly categoriesOfRecipients: readonly string[];
  readonly transfers: readonly {
    readonly country: string;
    readonly safeguard: string;
    readonly words: string;
  }[];
  readonly retention: string;
  readonly securityMeasures: readonly string[];
  readonly disclosed: ActivityStatistics;
}

/** The record of processing activities (GDPR Art. 30(1)), from contracts and the register. */
export interface RecordOfProcessing {
  readonly generatedAt: string;
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly controller: ControllerConfig['controller'];
  readonly dpo: ControllerConfig['dpo'];
  readonly activities: readonly ProcessingActivity[];
}

const ROLE_WORDS: Readonly<Record<string, string>> = {
  participant: 'participants (young people, most of them minors)',
  leader: 'group leaders',
  staff: 'accompanying staff',
};

const NO_STATISTICS: ActivityStatistics = {
  disclosures: 0,
  subjects: 0,
  lastDisclosedAt: null,
  failures: 0,
  withheld: 0,
};

/**
 * Builds the Art. 30 record: one processing activity per contract — purposes, legal basis,
 * categories of data subjects and of data, recipients, transfers and safeguards,
 * retention, security measures — with what the register shows was disclosed.
 */
export function buildRecordOfProcessing(input: {
  readonly contracts: readonly { readonly contract: Contract; readonly sha256: string }[];
  readonly catalogue: FieldCatalogue;
  readonly controller: ControllerConfig;
  readonly statistics: ReadonlyMap<string, ActivityStatistics>;
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly generatedAt: string;
}): RecordOfProcessing {
  const activities = [...input.contracts]
    .sort((a, b) => (a.contract.id < b.contract.id ? -1 : 1))
    .map(({ contract, sha256 }): ProcessingActivity => {
      const categories = [
        ...new Set(
          contract.fields
            .map((id) => input.catalogue.fields.get(id)?.category)
            .filter((c): c is string => c !== undefined),
        ),
      ];
      const subjects = contract.scope.roles.map((role) => ROLE_WORDS[role] ?? role);
      if (categories.includes('contact.third-party'))
        subjects.push('legal representatives and emergency contacts of the participants');
      // The leaders' name and phone go with every participant's data (`trip.leaders.*`):
      // leaders are then data subjects of the activity whatever roles its units take.
      if (categories.includes('contact.leader') && !contract.scope.roles.includes('leader'))
        subjects.push(ROLE_WORDS.leader ?? 'group leaders');
      const country = contract.recipient.country;
      // A transfer is recorded when the recipient is, or may be, outside the EEA.
      const outside = country === FROM_UNIT || !isInEea(country);
      const transfers =
        contract.transfer === undefined || !outside
          ? []
          : [
              {
                country:
                  country === FROM_UNIT ? 'the recipient’s country, when outside the EEA' : country,
                safeguard: contract.transfer.safeguard,
                words: safeguardInWords(contract.transfer.safeguard),
              },
            ];
      return {
        contractId: contract.id,
        contractVersion: contract.version,
        contractSha256: sha256,
        name: `${contract.recipient.name} (${contract.id})`,
        purposes: [contract.purpose],
        legalBasis: { basis: contract.legalBasis, words: legalBasisInWords(contract.legalBasis) },
        specialCategories: contract.specialCategories.map((rule) => ({
          condition: rule.condition,
          words: conditionInWords(rule.condition),
          categories: (
            rule.categories ??
            categories.filter((c) => input.catalogue.categories.get(c)?.special === true)
          ).map((c) => input.catalogue.categories.get(c)?.label ?? c),
        })),
        categoriesOfDataSubjects: subjects,
        categoriesOfData: categories.map((id) => ({
          id,
          label: input.catalogue.categories.get(id)?.label ?? id,
          special: input.catalogue.categories.get(id)?.special === true,
        })),
        categoriesOfRecipients: [
          `${recipientCategoryInWords(contract.recipient.category)}${contract.recipient.id === FROM_UNIT ? 's (the one of each unit)' : `: ${contract.recipient.name}`}`,
        ],
        transfers,
        retention: contract.retention,
        securityMeasures: input.controller.securityMeasures,
        disclosed: input.statistics.get(contract.id) ?? NO_STATISTICS,
      };
    });
  return {
    generatedAt: input.generatedAt,
    period: input.period,
    controller: input.controller.controller,
    dpo: input.controller.dpo,
    activities,
  };
}

/** One row per processing activity, with every count of what was disclosed (as JSON and HTML). */
export function renderRecordCsv(record: RecordOfProcessing): string {
  return writeCsv(
    [
      'contract',
      'version',
      'activity',
      'purposes',
      'legal basis',
      'special categories',
      'data subjects',
      'categories of data',
      'recipients',
      'transfers outside the EEA',
      'retention at the recipient',
      'security measures',
      'disclosures',
      'subjects',
      'last disclosure',
      'failures',
      'values withheld',
    ],
    record.activities.map((a) => [
      a.contractId,
      String(a.contractVersion),
      a.name,
      a.purposes.join(' '),
      a.legalBasis.words,
      a.specialCategories.map((s) => `${s.categories.join(', ')}: ${s.words}`).join('; '),
      a.categoriesOfDataSubjects.join('; '),
      a.categoriesOfData.map((c) => c.label).join('; '),
      a.categoriesOfRecipients.join('; '),
      a.transfers.map((t) => `${t.country}: ${t.words}`).join('; '),
      a.retention,
      a.securityMeasures.join(' '),
      String(a.disclosed.disclosures),
      String(a.disclosed.subjects),
      a.disclosed.lastDisclosedAt ?? '',
      String(a.disclosed.failures),
      String(a.disclosed.withheld),
    ]),
  );
}

/** The record as a printable page. */
export function renderRecordHtml(record: RecordOfProcessing): string {
  const e = escapeHtml;
  const list = (items: readonly string[]) =>
    items.length === 0 ? '—' : `<ul>${items.map((i) => `<li>${e(i)}</li>`).join('')}</ul>`;
  const activities = record.activities
    .map(
      (a) => `<section><h2>${e(a.name)}</h2><table>
<tr><th>Contract</th><td>${e(a.contractId)} v${a.contractVersion} <small>sha256 ${e(a.contractSha256.slice(0, 16))}…</small></td></tr>
<tr><th>Purposes</th><td>${list(a.purposes)}</td></tr>
<tr><th>Legal basis</th><td>${e(a.legalBasis.words)}</td></tr>
<tr><th>Special categories</th><td>${list(a.specialCategories.map((s) => `${s.categories.join(', ')}: ${s.words}`))}</td></tr>
<tr><th>Data subjects</th><td>${list(a.categoriesOfDataSubjects)}</td></tr>
<tr><th>Categories of data</th><td>${list(a.categoriesOfData.map((c) => c.label))}</td></tr>
<tr><th>Recipients</th><td>${list(a.categoriesOfRecipients)}</td></tr>
<tr><th>Transfers outside the EEA</th><td>${list(a.transfers.map((t) => `${t.country}: ${t.words}`))}</td></tr>
<tr><th>Retention at the recipient</th><td>${e(a.retention)}</td></tr>
<tr><th>Security measures</th><td>${list(a.securityMeasures)}</td></tr>
<tr><th>Disclosed in the period</th><td>${a.disclosed.disclosures} disclosure(s) about ${a.disclosed.subjects} person(s); last ${e(a.disclosed.lastDisclosedAt ?? 'never')}; ${a.disclosed.failures} failed attempt(s), retries included; ${a.disclosed.withheld} withholding(s)</td></tr>
</table></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Record of processing activities</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}th{width:14rem;background:#eee}@media print{section{break-inside:avoid}}</style></head>
<body><h1>Record of processing activities (GDPR Article 30)</h1>
<p>Controller: ${e(record.controller.name)}, ${e(record.controller.address)}, ${e(record.controller.email)}. Data protection officer: ${e(record.dpo.name)}, ${e(record.dpo.email)}.</p>
<p>Generated ${e(record.generatedAt)} from the contracts in force and the register of disclosures; period ${e(record.period.from ?? 'from the start')} to ${e(record.period.to ?? 'now')}.</p>
${activities}
</body></html>
`;
}
