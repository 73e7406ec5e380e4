import { FROM_UNIT, type Contract } from '../contracts/contract.js';
import { writeCsv } from '../formats/csv/csv-writer.js';
import type { FieldCatalogue } from '../fields/field-catalogue.js';
import { isCountryCode } from '../model/country-codes.js';
import { isInEea } from '../model/countries.js';
import type { ControllerConfig } from './controller-config.js';
import {
  conditionInWords,
  escapeHtml,
  legalBasisInWords,
  recipientCategoryInWords,
  safeguardInWords,
} from './plain-words.js';
import type { RegisterEntryInput } from './register-entry.js';

/** A recipient and a transfer as register entries record them. */
export type RecordedRecipient = NonNullable<RegisterEntryInput['recipient']>;
export type RecordedTransfer = NonNullable<RegisterEntryInput['transfer']>;

/** What the register says was disclosed under one contract version in the period. */
export interface ActivityStatistics {
  readonly disclosures: number;
  readonly subjects: number;
  readonly lastDisclosedAt: string | null;
  readonly failures: number;
  readonly withheld: number;
}

/**
 * What the register's disclosure entries of one contract version say of the period: their
 * statistics, and each distinct value they record of the processing (what an activity is
 * described from when no contract loaded now is that version).
 */
export interface RecordedContractVersion {
  readonly contractId: string;
  readonly contractVersion: number;
  /** The contract file's digest its newest entry in the period records. */
  readonly contractSha256: string;
  readonly disclosed: ActivityStatistics;
  readonly recipients: readonly RecordedRecipient[];
  readonly purposes: readonly string[];
  readonly legalBases: readonly string[];
  /** Each Art. 9(2) condition recorded, with the data categories of the entries recording it. */
  readonly specialConditions: readonly {
    readonly condition: string;
    readonly categories: readonly string[];
  }[];
  readonly transfers: readonly RecordedTransfer[];
  /** Data category ids (config/fields.yaml), as the entries recorded them. */
  readonly categories: readonly string[];
}

/**
 * `in-force`: the activity of a contract loaded now, described from it. `other-version`: the
 * disclosures under another version of a contract loaded now, described from the register's
 * entries. `no-longer-configured`: those under a contract no longer loaded, likewise.
 */
export type ActivityStatus = 'in-force' | 'other-version' | 'no-longer-configured';

export interface ProcessingActivity {
  readonly contractId: string;
  readonly contractVersion: number;
  readonly contractSha256: string;
  readonly status: ActivityStatus;
  /** The version of the contract loaded now; null when none is. */
  readonly versionInForce: number | null;
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
  /** At the recipient; null when no contract loaded now says it (the register does not record it). */
  readonly retention: string | null;
  /** Null likewise: the register does not record the measures in place when it disclosed. */
  readonly securityMeasures: readonly string[] | null;
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

/** What an activity described from the register's entries cannot say. */
export const NOT_RECORDED = 'not recorded in the register';

const FROM_UNIT_COUNTRY = 'the recipient’s country, when outside the EEA';

const versionKey = (contractId: string, version: number): string => `${contractId}\u0000${version}`;

/**
 * Builds the Art. 30 record: one processing activity per contract loaded now — purposes,
 * legal basis, categories of data subjects and of data, recipients, transfers and
 * safeguards, retention, security measures — with what the register shows was disclosed
 * under its loaded version; and one per other contract version the register holds
 * disclosures of in the period (a contract since removed, or another version of one loaded
 * now), described from what its entries recorded, with its own statistics. Every disclosure
 * of the period is so counted in exactly one activity. Sorted by contract id, the version in
 * force first, then the others from the newest.
 */
export function buildRecordOfProcessing(input: {
  readonly contracts: readonly { readonly contract: Contract; readonly sha256: string }[];
  readonly catalogue: FieldCatalogue;
  readonly controller: ControllerConfig;
  /** The register's disclosure entries of the period, by contract id and version. */
  readonly recorded: readonly RecordedContractVersion[];
  readonly period: { readonly from: string | null; readonly to: string | null };
  readonly generatedAt: string;
}): RecordOfProcessing {
  const recorded = new Map(
    input.recorded.map((version) => [
      versionKey(version.contractId, version.contractVersion),
      version,
    ]),
  );
  const inForce = new Map(input.contracts.map(({ contract }) => [contract.id, contract.version]));
  const fromContracts = input.contracts.map(({ contract, sha256 }) =>
    activityOfContract(
      contract,
      sha256,
      recorded.get(versionKey(contract.id, contract.version))?.disclosed ?? NO_STATISTICS,
      input.catalogue,
      input.controller,
    ),
  );
  const fromRegister = input.recorded
    .filter((version) => inForce.get(version.contractId) !== version.contractVersion)
    .map((version) =>
      activityOfEntries(version, inForce.get(version.contractId) ?? null, input.catalogue),
    );
  const activities = [...fromContracts, ...fromRegister].sort(
    (a, b) =>
      (a.contractId < b.contractId ? -1 : a.contractId > b.contractId ? 1 : 0) ||
      Number(b.status === 'in-force') - Number(a.status === 'in-force') ||
      b.contractVersion - a.contractVersion,
  );
  return {
    generatedAt: input.generatedAt,
    period: input.period,
    controller: input.controller.controller,
    dpo: input.controller.dpo,
    activities,
  };
}

/** The activity of a contract loaded now, as the contract describes it. */
function activityOfContract(
  contract: Contract,
  sha256: string,
  disclosed: ActivityStatistics,
  catalogue: FieldCatalogue,
  controller: ControllerConfig,
): ProcessingActivity {
  const categories = [
    ...new Set(
      contract.fields
        .map((id) => catalogue.fields.get(id)?.category)
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
            country: country === FROM_UNIT ? FROM_UNIT_COUNTRY : country,
            safeguard: contract.transfer.safeguard,
            words: safeguardInWords(contract.transfer.safeguard),
          },
        ];
  return {
    contractId: contract.id,
    contractVersion: contract.version,
    contractSha256: sha256,
    status: 'in-force',
    versionInForce: contract.version,
    name: `${contract.recipient.name} (${contract.id})`,
    purposes: [contract.purpose],
    legalBasis: { basis: contract.legalBasis, words: legalBasisInWords(contract.legalBasis) },
    specialCategories: contract.specialCategories.map((rule) => ({
      condition: rule.condition,
      words: conditionInWords(rule.condition),
      categories: (
        rule.categories ?? categories.filter((c) => catalogue.categories.get(c)?.special === true)
      ).map((c) => catalogue.categories.get(c)?.label ?? c),
    })),
    categoriesOfDataSubjects: subjects,
    categoriesOfData: categories.map((id) => ({
      id,
      label: catalogue.categories.get(id)?.label ?? id,
      special: catalogue.categories.get(id)?.special === true,
    })),
    categoriesOfRecipients: [
      `${recipientCategoryInWords(contract.recipient.category)}${contract.recipient.id === FROM_UNIT ? 's (the one of each unit)' : `: ${contract.recipient.name}`}`,
    ],
    transfers,
    retention: contract.retention,
    securityMeasures: controller.securityMeasures,
    disclosed,
  };
}

/**
 * The activity of a contract version no contract loaded now describes (removed, or another
 * version of one loaded), from what its entries recorded: recipients, purposes, legal bases,
 * Art. 9(2) conditions, transfers and data categories (labels from the field catalogue while
 * it knows them, the id otherwise). The entries record neither the roles of the people they
 * name, nor the retention asked of the recipient, nor the security measures then in place:
 * the activity says so rather than take them from elsewhere.
 */
function activityOfEntries(
  version: RecordedContractVersion,
  versionInForce: number | null,
  catalogue: FieldCatalogue,
): ProcessingActivity {
  const known = [...catalogue.categories.keys()];
  // The catalogue's order, for the categories it knows; the others after, by id.
  const rank = (id: string): number => {
    const at = known.indexOf(id);
    return at === -1 ? known.length : at;
  };
  const ordered = (ids: Iterable<string>): string[] =>
    [...new Set(ids)].sort((a, b) => rank(a) - rank(b) || (a < b ? -1 : a > b ? 1 : 0));
  const categories = ordered(version.categories);
  const special = (id: string): boolean => catalogue.categories.get(id)?.special === true;
  const label = (id: string): string => catalogue.categories.get(id)?.label ?? id;
  const conditions = new Map<string, Set<string>>();
  for (const recordedCondition of version.specialConditions) {
    // An entry records every condition of its contract, comma-separated (`disclosureEntryBase`).
    for (const condition of recordedCondition.condition.split(',')) {
      const covered = conditions.get(condition) ?? new Set<string>();
      // The special categories among the entries' own; one the catalogue no longer knows
      // too, which it cannot say is not.
      for (const id of recordedCondition.categories)
        if (special(id) || !catalogue.categories.has(id)) covered.add(id);
      conditions.set(condition, covered);
    }
  }
  const subjects = [
    'the participants, group leaders and staff the register names (it does not record their roles)',
  ];
  if (categories.includes('contact.third-party'))
    subjects.push('legal representatives and emergency contacts of the participants');
  const recipientsByCategory = new Map<string, Set<string>>();
  for (const recipient of version.recipients) {
    const names = recipientsByCategory.get(recipient.category) ?? new Set<string>();
    names.add(recipient.name);
    recipientsByCategory.set(recipient.category, names);
  }
  const names = [...new Set(version.recipients.map((recipient) => recipient.name))];
  const transfers = new Map<string, ProcessingActivity['transfers'][number]>();
  for (const transfer of version.transfers) {
    // As for a contract: a transfer is the recipient outside the EEA, or perhaps (a country
    // the unit did not tell is recorded as `unknown`).
    if (isCountryCode(transfer.country) && isInEea(transfer.country)) continue;
    const country = isCountryCode(transfer.country) ? transfer.country : FROM_UNIT_COUNTRY;
    transfers.set(`${country}\u0000${transfer.safeguard}`, {
      country,
      safeguard: transfer.safeguard,
      words: safeguardInWords(transfer.safeguard),
    });
  }
  return {
    contractId: version.contractId,
    contractVersion: version.contractVersion,
    contractSha256: version.contractSha256,
    status: versionInForce === null ? 'no-longer-configured' : 'other-version',
    versionInForce,
    name:
      names.length === 0
        ? version.contractId
        : names.length === 1
          ? `${names[0] ?? ''} (${version.contractId})`
          : `${names.length} recipients (${version.contractId})`,
    purposes: version.purposes,
    legalBasis:
      version.legalBases.length === 0
        ? { basis: '', words: NOT_RECORDED }
        : {
            basis: version.legalBases.join(','),
            words: version.legalBases.map(legalBasisInWords).join('; '),
          },
    specialCategories: [...conditions].map(([condition, covered]) => ({
      condition,
      words: conditionInWords(condition),
      categories: ordered(covered).map(label),
    })),
    categoriesOfDataSubjects: subjects,
    categoriesOfData: categories.map((id) => ({ id, label: label(id), special: special(id) })),
    categoriesOfRecipients: [...recipientsByCategory]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(
        ([category, names]) => `${recipientCategoryInWords(category)}: ${[...names].join(', ')}`,
      ),
    transfers: [...transfers.values()],
    retention: null,
    securityMeasures: null,
    disclosed: version.disclosed,
  };
}

/** What an activity is, in the export's words. */
export function statusInWords(activity: ProcessingActivity): string {
  switch (activity.status) {
    case 'in-force':
      return 'in force';
    case 'other-version':
      return `a version no longer in force (version ${activity.versionInForce ?? '?'} is)`;
    case 'no-longer-configured':
      return 'no longer configured';
  }
}

/** One row per processing activity, with every count of what was disclosed (as JSON and HTML). */
export function renderRecordCsv(record: RecordOfProcessing): string {
  return writeCsv(
    [
      'contract',
      'version',
      'status',
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
      statusInWords(a),
      a.name,
      a.purposes.join(' '),
      a.legalBasis.words,
      a.specialCategories.map((s) => `${s.categories.join(', ')}: ${s.words}`).join('; '),
      a.categoriesOfDataSubjects.join('; '),
      a.categoriesOfData.map((c) => c.label).join('; '),
      a.categoriesOfRecipients.join('; '),
      a.transfers.map((t) => `${t.country}: ${t.words}`).join('; '),
      a.retention ?? NOT_RECORDED,
      a.securityMeasures?.join(' ') ?? NOT_RECORDED,
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
  const notInForce = (a: ProcessingActivity) => {
    if (a.status === 'in-force') return '';
    const words = statusInWords(a);
    return `<p><strong>${e(words.charAt(0).toUpperCase() + words.slice(1))}.</strong> Described from what the register recorded of its disclosures, which does not include the retention asked of the recipient, nor the security measures then in place.</p>`;
  };
  const activities = record.activities
    .map(
      (a) => `<section><h2>${e(a.name)}</h2>${notInForce(a)}<table>
<tr><th>Contract</th><td>${e(a.contractId)} v${a.contractVersion} <small>sha256 ${e(a.contractSha256.slice(0, 16))}…</small></td></tr>
<tr><th>Status</th><td>${e(statusInWords(a))}</td></tr>
<tr><th>Purposes</th><td>${list(a.purposes)}</td></tr>
<tr><th>Legal basis</th><td>${e(a.legalBasis.words)}</td></tr>
<tr><th>Special categories</th><td>${list(a.specialCategories.map((s) => `${s.categories.join(', ')}: ${s.words}`))}</td></tr>
<tr><th>Data subjects</th><td>${list(a.categoriesOfDataSubjects)}</td></tr>
<tr><th>Categories of data</th><td>${list(a.categoriesOfData.map((c) => c.label))}</td></tr>
<tr><th>Recipients</th><td>${list(a.categoriesOfRecipients)}</td></tr>
<tr><th>Transfers outside the EEA</th><td>${list(a.transfers.map((t) => `${t.country}: ${t.words}`))}</td></tr>
<tr><th>Retention at the recipient</th><td>${e(a.retention ?? NOT_RECORDED)}</td></tr>
<tr><th>Security measures</th><td>${a.securityMeasures === null ? NOT_RECORDED : list(a.securityMeasures)}</td></tr>
<tr><th>Disclosed in the period</th><td>${a.disclosed.disclosures} disclosure(s) about ${a.disclosed.subjects} person(s); last ${e(a.disclosed.lastDisclosedAt ?? 'never')}; ${a.disclosed.failures} failed attempt(s), retries included; ${a.disclosed.withheld} withholding(s)</td></tr>
</table></section>`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Record of processing activities</title>
<style>body{font-family:system-ui,sans-serif;margin:2rem}table{border-collapse:collapse;width:100%;margin-bottom:1.5rem}th,td{border:1px solid #999;padding:.4rem;text-align:left;vertical-align:top}th{width:14rem;background:#eee}@media print{section{break-inside:avoid}}</style></head>
<body><h1>Record of processing activities (GDPR Article 30)</h1>
<p>Controller: ${e(record.controller.name)}, ${e(record.controller.address)}, ${e(record.controller.email)}. Data protection officer: ${e(record.dpo.name)}, ${e(record.dpo.email)}.</p>
<p>Generated ${e(record.generatedAt)} from the contracts in force and the register of disclosures; period ${e(record.period.from ?? 'from the start')} to ${e(record.period.to ?? 'now')}. Disclosures of the period under a contract no longer configured, or under a version other than the one in force, are described from what the register recorded of them.</p>
${activities}
</body></html>
`;
}
