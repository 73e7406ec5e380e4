import { hash } from 'node:crypto';
import type { Withholding } from '../projection/minimized-unit.js';

/** The kinds of event the register records (DESIGN.md). */
export type RegisterEvent =
  | 'disclosure-attempted'
  | 'disclosure-delivered'
  | 'disclosure-failed'
  | 'disclosure-withheld'
  | 'emergency-released'
  | 'emergency-refused'
  | 'preview-viewed'
  | 'ops-action';
export const REGISTER_EVENTS: readonly RegisterEvent[] = [
  'disclosure-attempted',
  'disclosure-delivered',
  'disclosure-failed',
  'disclosure-withheld',
  'emergency-released',
  'emergency-refused',
  'preview-viewed',
  'ops-action',
];

/** What each event says happened, for filtering (`outcome=`). */
export const OUTCOME_OF_EVENT: Readonly<Record<RegisterEvent, string>> = {
  'disclosure-attempted': 'attempted',
  'disclosure-delivered': 'delivered',
  'disclosure-failed': 'failed',
  'disclosure-withheld': 'withheld',
  'emergency-released': 'released',
  'emergency-refused': 'refused',
  'preview-viewed': 'viewed',
  'ops-action': 'recorded',
};

export type ActorKind = 'system' | 'client' | 'ops';

/**
 * One register event as appended. No personal value and no payload: subjects are the
 * booking system's participant ids, fields are field ids, the payload is its digest.
 */
export interface RegisterEntryInput {
  readonly event: RegisterEvent;
  readonly transmissionId?: string;
  readonly contract?: { readonly id: string; readonly version: number; readonly sha256: string };
  readonly recipient?: { readonly id: string; readonly name: string; readonly category: string };
  readonly purpose?: string;
  /** Art. 6(1) basis, e.g. `contract`. */
  readonly legalBasis?: string;
  /** Art. 9(2) condition when special-category data is concerned. */
  readonly specialCondition?: string;
  /** Set when the recipient is outside the EEA or may be (a carrier, an insurer). */
  readonly transfer?: { readonly country: string; readonly safeguard: string };
  readonly tripId?: string;
  /** The unit key, e.g. `flight:F1`. */
  readonly unit?: string;
  readonly subjects: readonly string[];
  readonly fields: readonly string[];
  /** The data categories of `fields` (config/fields.yaml). */
  readonly categories: readonly string[];
  readonly withheld: readonly Withholding[];
  readonly payload?: { readonly sha256: string; readonly bytes: number; readonly format: string };
  readonly transport?: { readonly type: string; readonly endpointId?: string };
  readonly actor: { readonly kind: ActorKind; readonly id: string };
  readonly reason?: string;
  /** Outcome detail: codes and counts, never a personal value. */
  readonly detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** An entry as stored: its place in the chain and its hashes. */
export interface RegisterEntry extends RegisterEntryInput {
  readonly id: string;
  readonly seq: number;
  readonly occurredAt: string;
  readonly outcome: string;
  readonly prevHash: string;
  readonly hash: string;
}

/** The hash before the first entry. */
export const GENESIS_HASH = '0'.repeat(64);

/** The form version: bump it (and keep the old one for old rows) if the form ever changes. */
const CANONICAL_FORM_VERSION = 1;

/**
 * The entry's canonical form: every field in a fixed order, each written with its length
 * (`5:hello`; `-` when absent; numbers as `12;`; lists as `2[…]`; the detail's keys sorted,
 * values tagged by type), so that no content can be mistaken for structure and the same
 * entry gives the same bytes whether it is being appended or read back from the database.
 * Lengths count UTF-16 code units. Cheaper than JSON (no escaping pass): it runs once per
 * entry appended or verified.
 */
export function canonicalForm(
  entry: Omit<RegisterEntry, 'prevHash' | 'hash'> & {
    readonly prevHash?: string;
    readonly hash?: string;
  },
): string {
  let withheld = `${entry.withheld.length}[`;
  for (const w of entry.withheld) withheld += str(w.subject) + str(w.field) + str(w.reason);
  const detail = entry.detail ?? {};
  const keys = Object.keys(detail);
  if (keys.length > 1) keys.sort();
  let pairs = `${keys.length}{`;
  for (const key of keys) pairs += str(key) + tagged(detail[key] ?? null);
  // Each optional group is looked up once, and the form is one chain of `+` (a template
  // literal of this many parts, each part a call, cost ~6 % more).
  const { contract, recipient, transfer, payload, transport } = entry;
  return (
    `v${CANONICAL_FORM_VERSION}|${entry.seq};` +
    str(entry.id) +
    str(entry.event) +
    str(entry.occurredAt) +
    opt(entry.transmissionId) +
    (contract === undefined
      ? '---'
      : opt(contract.id) + num(contract.version) + opt(contract.sha256)) +
    (recipient === undefined
      ? '---'
      : opt(recipient.id) + opt(recipient.name) + opt(recipient.category)) +
    opt(entry.purpose) +
    opt(entry.legalBasis) +
    opt(entry.specialCondition) +
    (transfer === undefined ? '--' : opt(transfer.country) + opt(transfer.safeguard)) +
    opt(entry.tripId) +
    opt(entry.unit) +
    list(entry.subjects) +
    list(entry.fields) +
    list(entry.categories) +
    withheld +
    ']' +
    (payload === undefined
      ? '---'
      : opt(payload.sha256) + num(payload.bytes) + opt(payload.format)) +
    (transport === undefined ? '--' : opt(transport.type) + opt(transport.endpointId)) +
    str(entry.actor.kind) +
    str(entry.actor.id) +
    opt(entry.reason) +
    str(entry.outcome) +
    pairs +
    '}'
  );
}

/** `0:` … `1023:`, written once: turning each length into digits was an eighth of the form's cost. */
const LENGTH_PREFIXES: readonly string[] = Array.from({ length: 1024 }, (_, n) => `${n}:`);
const str = (text: string): string => (LENGTH_PREFIXES[text.length] ?? `${text.length}:`) + text;
const opt = (text: string | undefined): string => (text === undefined ? '-' : str(text));
const num = (value: number | undefined): string => (value === undefined ? '-' : `${value};`);
function list(items: readonly string[]): string {
  let out = `${items.length}[`;
  for (const item of items) out += str(item);
  return out + ']';
}
function tagged(value: string | number | boolean | null): string {
  if (typeof value === 'string') return 's' + str(value);
  if (typeof value === 'number') return `n${value};`;
  if (typeof value === 'boolean') return value ? 'T' : 'F';
  return 'Z';
}

/**
 * A value a `detail` can hold: what the canonical form tells apart and JSON stores as it is
 * (an object or an array would hash as null, a NaN would be stored as null).
 */
export function isDetailValue(value: unknown): value is string | number | boolean | null {
  return (
    value === null ||
    typeof value === 'string' ||
    typeof value === 'boolean' ||
    (typeof value === 'number' && Number.isFinite(value))
  );
}

/**
 * Why an entry cannot be sealed, or undefined: its `detail` holds something other than
 * strings, finite numbers, booleans and nulls (`isDetailValue`) — stored, it would read back
 * as something its hash does not cover. Names the key, never the value. `sealEntries` throws
 * it; an appender asks before it batches an entry with others' (thrown while sealing, it
 * would refuse the whole batch).
 */
export function detailProblem(input: Pick<RegisterEntryInput, 'detail'>): string | undefined {
  const { detail } = input;
  if (detail === undefined) return undefined;
  for (const key in detail) {
    if (!isDetailValue(detail[key])) {
      return `register entry detail.${key}: a string, a finite number, a boolean or null`;
    }
  }
  return undefined;
}

/** sha256 over the previous hash and the canonical form: each entry seals the one before. */
export function chainHash(prevHash: string, canonical: string): string {
  return hash('sha256', `${prevHash}\n${canonical}`, 'hex');
}

/**
 * Seals a batch onto the chain: consecutive sequence numbers after `head`, each entry's
 * hash over its canonical form and its predecessor's hash. Ids and the time are given:
 * the core has no clock and no randomness. An entry whose `detail` holds anything but
 * strings, finite numbers, booleans and nulls is refused (thrown): stored, it would read back
 * as something its hash does not cover, and verification would take it for an altered row.
 */
export function sealEntries(
  inputs: readonly RegisterEntryInput[],
  head: { readonly seq: number; readonly hash: string },
  occurredAt: string,
  ids: readonly string[],
): RegisterEntry[] {
  let prevHash = head.hash;
  return inputs.map((input, index) => {
    const id = ids[index];
    if (id === undefined) throw new Error('an id is needed for every entry');
    const problem = detailProblem(input);
    if (problem !== undefined) throw new Error(problem);
    // A property before the spread: V8 builds a literal that starts with a spread and goes
    // on on its slow path (~1.7 µs for each of an entry's two literals); `Object.assign` is
    // quick but leaves an entry this large with slow (dictionary) properties, slower to hash.
    const unsealed = {
      id,
      ...input,
      seq: head.seq + index + 1,
      occurredAt,
      outcome: OUTCOME_OF_EVENT[input.event],
    };
    const hash = chainHash(prevHash, canonicalForm(unsealed));
    const entry: RegisterEntry = { prevHash, ...unsealed, hash };
    prevHash = hash;
    return entry;
  });
}
