import type { RegisterEntry } from './register-entry.js';

/**
 * A recipient that holds (or held) some of a data subject's data, as the register shows it:
 * whom the controller must tell of a rectification, an erasure or a restriction (GDPR Art. 19;
 * Art. 17(2)), and whom the subject may ask to be told of. Ids, dates and contracts only.
 */
export interface RecipientToNotify {
  readonly recipientId: string;
  readonly recipientName: string;
  readonly recipientCategory: string;
  /** Each contract (id and version) under which the data went, once, in order of first use. */
  readonly contracts: readonly { readonly id: string; readonly version: number }[];
  /** The trips the disclosures were about. */
  readonly tripIds: readonly string[];
  readonly firstDisclosedAt: string;
  readonly lastDisclosedAt: string;
  /** The register entries of the disclosures (`disclosure-delivered`, `emergency-released`). */
  readonly entryIds: readonly string[];
}

/** An erasure of a booking holding the subject, as its register entry records it. */
export interface SubjectErasure {
  readonly entryId: string;
  readonly at: string;
  /** `erasure request`, `retention`. */
  readonly reason: string;
}

/** The events by which data reached a recipient. */
const REACHED_RECIPIENT: ReadonlySet<string> = new Set([
  'disclosure-delivered',
  'emergency-released',
]);

/**
 * Every recipient the register shows the subjects' data reached — delivered or released to
 * it, including as a group leader named in another participant's release — grouped by
 * recipient, in order of first disclosure. Attempts without a recorded outcome are not
 * counted (see README, "Known limitations").
 */
export function recipientsToNotify(
  subjectIds: readonly string[],
  entries: readonly RegisterEntry[],
): RecipientToNotify[] {
  const wanted = new Set(subjectIds);
  const byRecipient = new Map<
    string,
    {
      name: string;
      category: string;
      contracts: Map<string, { id: string; version: number }>;
      tripIds: Set<string>;
      first: string;
      last: string;
      entryIds: string[];
    }
  >();
  const ordered = [...entries].sort((a, b) => a.seq - b.seq);
  for (const entry of ordered) {
    if (!REACHED_RECIPIENT.has(entry.event) || entry.recipient === undefined) continue;
    if (!entry.subjects.some((subject) => wanted.has(subject))) continue;
    const { id, name, category } = entry.recipient;
    let found = byRecipient.get(id);
    if (found === undefined) {
      found = {
        name,
        category,
        contracts: new Map(),
        tripIds: new Set(),
        first: entry.occurredAt,
        last: entry.occurredAt,
        entryIds: [],
      };
      byRecipient.set(id, found);
    }
    if (entry.contract !== undefined) {
      const key = `${entry.contract.id}@${entry.contract.version}`;
      if (!found.contracts.has(key))
        found.contracts.set(key, { id: entry.contract.id, version: entry.contract.version });
    }
    if (entry.tripId !== undefined) found.tripIds.add(entry.tripId);
    if (entry.occurredAt < found.first) found.first = entry.occurredAt;
    if (entry.occurredAt > found.last) found.last = entry.occurredAt;
    if (!found.entryIds.includes(entry.id)) found.entryIds.push(entry.id);
  }
  return [...byRecipient].map(([recipientId, found]) => ({
    recipientId,
    recipientName: found.name,
    recipientCategory: found.category,
    contracts: [...found.contracts.values()],
    tripIds: [...found.tripIds],
    firstDisclosedAt: found.first,
    lastDisclosedAt: found.last,
    entryIds: found.entryIds,
  }));
}

/** The erasures of bookings holding the subject (`ops-action`, `booking-erased`), oldest first. */
export function erasuresOf(subjectId: string, entries: readonly RegisterEntry[]): SubjectErasure[] {
  return [...entries]
    .sort((a, b) => a.seq - b.seq)
    .filter(
      (entry) =>
        entry.event === 'ops-action' &&
        entry.detail?.action === 'booking-erased' &&
        entry.subjects.includes(subjectId),
    )
    .map((entry) => ({ entryId: entry.id, at: entry.occurredAt, reason: entry.reason ?? '' }));
}

/** The `detail` an erasure entry carries about the recipients to notify: ids only. */
export function notificationDetail(
  recipients: readonly RecipientToNotify[],
): Readonly<Record<string, string | number>> {
  return {
    recipientsToNotify: recipients.length,
    recipientIds: recipients.map((recipient) => recipient.recipientId).join(','),
  };
}
