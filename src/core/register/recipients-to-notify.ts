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
  /**
   * The register entries of the disclosures (`disclosure-delivered`, `emergency-released`, and
   * `disclosure-attempted` whose outcome is not recorded).
   */
  readonly entryIds: readonly string[];
}

/** An erasure of a booking holding the subject, as its register entry records it. */
export interface SubjectErasure {
  readonly entryId: string;
  readonly at: string;
  /** `erasure request`, `retention`. */
  readonly reason: string;
}

const pairKey = (tripId: string, subjectId: string): string => `${tripId}\u0000${subjectId}`;

/** The events by which data reached a recipient. */
const REACHED_RECIPIENT: ReadonlySet<string> = new Set([
  'disclosure-delivered',
  'emergency-released',
]);

/** The outcomes of an attempt (`disclosure-attempted`), recorded once the transport answered. */
const ATTEMPT_OUTCOMES: ReadonlySet<string> = new Set([
  'disclosure-delivered',
  'disclosure-failed',
]);

/** An attempt and its outcome share the transmission and the attempt's number. */
const attemptKey = (entry: RegisterEntry): string | undefined =>
  entry.transmissionId === undefined || entry.detail?.attempt === undefined
    ? undefined
    : `${entry.transmissionId}\u0000${String(entry.detail.attempt)}`;

/**
 * Every recipient the register shows the subjects' data reached — delivered or released to
 * it, including as a group leader named in another participant's release — grouped by
 * recipient, in order of first disclosure. An attempt without a recorded outcome counts: it
 * is being sent, or crashed mid-send, and its files may have left. `heldElsewhere`: the (trip, participant id) pairs
 * another booking holds — an erasure names only the recipients of the erased booking's data.
 */
export function recipientsToNotify(
  subjectIds: readonly string[],
  entries: readonly RegisterEntry[],
  heldElsewhere: readonly { readonly tripId: string; readonly participantId: string }[] = [],
): RecipientToNotify[] {
  const wanted = new Set(subjectIds);
  // Participant ids are unique within a trip only: on a trip where another booking holds the
  // id, the register's entries of that id are that booking's data, not the subject's.
  const others = new Set(heldElsewhere.map((held) => pairKey(held.tripId, held.participantId)));
  const concerns = (entry: RegisterEntry, subject: string): boolean =>
    wanted.has(subject) &&
    (entry.tripId === undefined || !others.has(pairKey(entry.tripId, subject)));
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
  // An attempt whose outcome is not recorded is being sent (its outcome comes after this
  // read: an erasure racing a send) or crashed mid-send: its files may have left. Counted —
  // more recipients told, never one missed.
  const settled = new Set(
    ordered.flatMap((entry) => {
      const key = ATTEMPT_OUTCOMES.has(entry.event) ? attemptKey(entry) : undefined;
      return key === undefined ? [] : [key];
    }),
  );
  const reached = (entry: RegisterEntry): boolean =>
    REACHED_RECIPIENT.has(entry.event) ||
    (entry.event === 'disclosure-attempted' && !settled.has(attemptKey(entry) ?? ''));
  for (const entry of ordered) {
    if (!reached(entry) || entry.recipient === undefined) continue;
    if (!entry.subjects.some((subject) => concerns(entry, subject))) continue;
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
