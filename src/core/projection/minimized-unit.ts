import type { FieldValue } from '../fields/field-value.js';
import type { UnitKind } from '../fields/field-readers.js';
import type { RecipientCategory } from '../contracts/contract.js';

/** Which transmission unit: `flight:F1`, `stay:S1`, `trip:T-1:insurer:INS-A`, … */
export interface UnitRef {
  readonly kind: UnitKind;
  /** The flight, stay, trip, booking reference or participant id. */
  readonly id: string;
  /** Set when the contract's recipient is the participants' insurer. */
  readonly insurerId?: string;
  /** The stable key of interfaces.md: `<kind>:<id>[:insurer:<insurerId>]`. */
  readonly key: string;
}

export interface ResolvedRecipient {
  readonly id: string;
  readonly name: string;
  readonly category: RecipientCategory;
  /** Alpha-3; absent when the unit does not tell (a carrier's or insurer's seat). */
  readonly country?: string;
}

export interface MinimizedParticipant {
  /** Only allowed fields that have a value and were not withheld. */
  readonly values: Readonly<Record<string, FieldValue>>;
}

export interface MinimizedRoom {
  /** `room.id`, `room.type` when allowed. */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Indexes into `participants` (only when `room.occupants` is allowed). */
  readonly occupants: readonly number[];
}

/**
 * What a serializer receives: only the contract's allowed fields, for the unit's scoped
 * participants — never the booking, never a subject id unless `participant.id` is allowed.
 */
export interface MinimizedUnit {
  readonly contract: { readonly id: string; readonly version: number };
  readonly unitKind: UnitKind;
  readonly recipient: { readonly id: string; readonly name: string };
  /** The allow-list, in contract order. */
  readonly fields: readonly string[];
  /** Unit-level values (`flight.*`, `stay.*`, `trip.*`). */
  readonly values: Readonly<Record<string, FieldValue>>;
  /** Ordered by participant id, so the same data always gives the same bytes. */
  readonly participants: readonly MinimizedParticipant[];
  readonly rooms: readonly MinimizedRoom[];
}

/** `no-consent`: the participant did not give the consent the contract names; `no-condition`: no Art. 9(2) condition covers the category. */
export type WithholdingReason = 'no-consent' | 'no-condition';

export interface Withholding {
  readonly subject: string;
  readonly field: string;
  readonly reason: WithholdingReason;
}

/** A data-quality problem that stops the unit: names the subject and field, never the value. */
export interface DataQualityError {
  readonly subject: string;
  readonly field: string;
  readonly rule: string;
}

export interface ProjectedUnit {
  readonly unit: UnitRef;
  readonly recipient: ResolvedRecipient;
  readonly payload: MinimizedUnit;
  /** The unit's participant ids, aligned with `payload.participants`. */
  readonly participantIds: readonly string[];
  /** Everyone whose data the payload holds: the participants, then others (e.g. leaders). */
  readonly subjects: readonly string[];
  readonly withheld: readonly Withholding[];
  readonly errors: readonly DataQualityError[];
}
