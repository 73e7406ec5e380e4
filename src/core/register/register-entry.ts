import { createHash } from 'node:crypto';
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
 * The entry's canonical form: a JSON array in a fixed order, with absent values as null,
 * lists in their order, withholdings as triples and the detail's keys sorted — the same
 * bytes whether the entry is being appended or read back from the database.
 */
export function canonicalForm(entry: Omit<RegisterEntry, 'prevHash' | 'hash'>): string {
  const detail = entry.detail ?? {};
  return JSON.stringify([
    CANONICAL_FORM_VERSION,
    entry.seq,
    entry.id,
    entry.event,
    entry.occurredAt,
    entry.transmissionId ?? null,
    entry.contract?.id ?? null,
    entry.contract?.version ?? null,
    entry.contract?.sha256 ?? null,
    entry.recipient?.id ?? null,
    entry.recipient?.name ?? null,
    entry.recipient?.category ?? null,
    entry.purpose ?? null,
    entry.legalBasis ?? null,
    entry.specialCondition ?? null,
    entry.transfer?.country ?? null,
    entry.transfer?.safeguard ?? null,
    entry.tripId ?? null,
    entry.unit ?? null,
    entry.subjects,
    entry.fields,
    entry.categories,
    entry.withheld.map((w) => [w.subject, w.field, w.reason]),
    entry.payload?.sha256 ?? null,
    entry.payload?.bytes ?? null,
    entry.payload?.format ?? null,
    entry.transport?.type ?? null,
    entry.transport?.endpointId ?? null,
    entry.actor.kind,
    entry.actor.id,
    entry.reason ?? null,
    entry.outcome,
    Object.keys(detail)
      .sort()
      .map((key) => [key, detail[key] ?? null]),
  ]);
}

/** sha256 over the previous hash and the canonical form: each entry seals the one before. */
export function chainHash(prevHash: string, canonical: string): string {
  return createHash('sha256').update(prevHash).update('\n').update(canonical).digest('hex');
}

/**
 * Seals a batch onto the chain: consecutive sequence numbers after `head`, each entry's
 * hash over its canonical form and its predecessor's hash. Ids and the time are given:
 * the core has no clock and no randomness.
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
    const unsealed = {
      ...input,
      id,
      seq: head.seq + index + 1,
      occurredAt,
      outcome: OUTCOME_OF_EVENT[input.event],
    };
    const hash = chainHash(prevHash, canonicalForm(unsealed));
    const entry: RegisterEntry = { ...unsealed, prevHash, hash };
    prevHash = hash;
    return entry;
  });
}
