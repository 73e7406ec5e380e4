import type { RecordedContractVersion, RecordedRecipient, RecordedTransfer } from './build-ropa.js';

/**
 * One group of a contract version's disclosure entries in a period that record the same
 * processing (recipient, purpose, legal basis, Art. 9(2) condition, transfer, categories),
 * with their counts: a row of the register's statistics query.
 */
export interface RecordedGroup {
  readonly contractId: string;
  readonly contractVersion: number;
  readonly contractSha256: string;
  /** The sequence number of the group's newest entry: the version's digest is its newest's. */
  readonly newest: number;
  readonly recipient: RecordedRecipient | null;
  readonly purpose: string | null;
  readonly legalBasis: string | null;
  readonly specialCondition: string | null;
  readonly transfer: RecordedTransfer | null;
  readonly categories: readonly string[];
  readonly disclosures: number;
  readonly failures: number;
  readonly withheld: number;
  /** ISO instant of the group's newest delivery or release; null when it has none. */
  readonly lastDisclosedAt: string | null;
  /** The version's distinct subjects (the same on each of its groups). */
  readonly subjects: number;
}

/** A contract version's groups, as `foldRecordedGroups` folds them. */
interface FoldedVersion {
  readonly contractId: string;
  readonly contractVersion: number;
  contractSha256: string;
  newest: number;
  disclosures: number;
  readonly subjects: number;
  lastDisclosedAt: string | null;
  failures: number;
  withheld: number;
  readonly recipients: Map<string, RecordedContractVersion['recipients'][number]>;
  readonly purposes: Set<string>;
  readonly legalBases: Set<string>;
  readonly specialConditions: Map<string, Set<string>>;
  readonly transfers: Map<string, RecordedContractVersion['transfers'][number]>;
  readonly categories: Set<string>;
}

const byKey = <T>(entries: Iterable<[string, T]>): T[] =>
  [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, value]) => value);

/**
 * The groups folded into one record a contract version: counts summed, each distinct value
 * recorded once (sorted), the digest of its newest entry, the Art. 9(2) conditions with the
 * categories of the entries recording them.
 */
export function foldRecordedGroups(groups: readonly RecordedGroup[]): RecordedContractVersion[] {
  const versions = new Map<string, FoldedVersion>();
  for (const group of groups) {
    const key = `${group.contractId}\u0000${group.contractVersion}`;
    let version = versions.get(key);
    if (version === undefined) {
      version = {
        contractId: group.contractId,
        contractVersion: group.contractVersion,
        contractSha256: group.contractSha256,
        newest: -1,
        disclosures: 0,
        subjects: group.subjects,
        lastDisclosedAt: null,
        failures: 0,
        withheld: 0,
        recipients: new Map(),
        purposes: new Set(),
        legalBases: new Set(),
        specialConditions: new Map(),
        transfers: new Map(),
        categories: new Set(),
      };
      versions.set(key, version);
    }
    if (group.newest > version.newest) {
      version.newest = group.newest;
      version.contractSha256 = group.contractSha256;
    }
    version.disclosures += group.disclosures;
    version.failures += group.failures;
    version.withheld += group.withheld;
    if (
      group.lastDisclosedAt !== null &&
      (version.lastDisclosedAt === null || group.lastDisclosedAt > version.lastDisclosedAt)
    )
      version.lastDisclosedAt = group.lastDisclosedAt;
    const { recipient, transfer } = group;
    if (recipient !== null) {
      version.recipients.set(
        `${recipient.category}\u0000${recipient.name}\u0000${recipient.id}`,
        recipient,
      );
    }
    if (group.purpose !== null) version.purposes.add(group.purpose);
    if (group.legalBasis !== null) version.legalBases.add(group.legalBasis);
    if (group.specialCondition !== null) {
      const covered = version.specialConditions.get(group.specialCondition) ?? new Set();
      for (const category of group.categories) covered.add(category);
      version.specialConditions.set(group.specialCondition, covered);
    }
    if (transfer !== null) {
      version.transfers.set(`${transfer.country}\u0000${transfer.safeguard}`, transfer);
    }
    for (const category of group.categories) version.categories.add(category);
  }
  return [...versions.values()].map((version) => ({
    contractId: version.contractId,
    contractVersion: version.contractVersion,
    contractSha256: version.contractSha256,
    disclosed: {
      disclosures: version.disclosures,
      subjects: version.subjects,
      lastDisclosedAt: version.lastDisclosedAt,
      failures: version.failures,
      withheld: version.withheld,
    },
    recipients: byKey(version.recipients),
    purposes: [...version.purposes].sort(),
    legalBases: [...version.legalBases].sort(),
    specialConditions: byKey(
      [...version.specialConditions].map(([condition, categories]) => [
        condition,
        { condition, categories: [...categories].sort() },
      ]),
    ),
    transfers: byKey(version.transfers),
    categories: [...version.categories].sort(),
  }));
}
