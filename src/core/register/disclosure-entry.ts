import { FROM_UNIT, type Contract } from '../contracts/contract.js';
import type { FieldCatalogue, FieldDefinition } from '../fields/field-catalogue.js';
import { isInEea } from '../model/countries.js';
import type { ProjectedUnit } from '../projection/minimized-unit.js';
import type { RegisterEntryInput } from './register-entry.js';

/**
 * A field whose value is the data of people other than the unit's participants: its reader
 * names them (`trip.leaders.*`: the group's leaders, in every participant's emergency data).
 */
export const namesOthers = (field: FieldDefinition | undefined): boolean =>
  field?.reader?.level === 'unit' && field.reader.subjects !== undefined;

/**
 * The `detail` key of a disclosure entry whose fields name others: how many of its first
 * `subjects` are the unit's participants (the projection lists them first, then the others).
 * Without it, an entry of a flight, stay, trip or booking cannot tell a leader named only by
 * `trip.leaders.*` from a passenger of the unit, and the leader's access report would claim
 * every field of the unit as theirs (Art. 15(1)(b)) — a participant unit's key tells already.
 */
export const UNIT_PARTICIPANTS_DETAIL = 'unitParticipants';

/** The data categories of `fields` (config/fields.yaml), each once, in their first field's order. */
export function categoriesOf(fields: readonly string[], catalogue: FieldCatalogue): string[] {
  return [
    ...new Set(
      fields
        .map((id) => catalogue.fields.get(id)?.category)
        .filter((c): c is string => c !== undefined),
    ),
  ];
}

export interface DisclosureFacts {
  readonly contract: Contract;
  /** sha256 of the contract's file. */
  readonly contractSha256: string;
  readonly catalogue: FieldCatalogue;
  readonly unit: ProjectedUnit;
  readonly tripId: string;
  readonly transmissionId?: string;
  readonly payload: { readonly sha256: string; readonly bytes: number };
  readonly transport: { readonly type: string; readonly endpointId?: string };
  readonly actor: RegisterEntryInput['actor'];
}

/**
 * What every register entry about a disclosure of a unit says — contract, recipient,
 * purpose, legal basis, Art. 9(2) condition when special categories leave, transfer when
 * the recipient may be outside the EEA, subjects, field ids and their categories, what was
 * withheld, the payload's digest — ids, categories and digests, never a value. When the
 * fields name others than the unit's participants, `detail` says how many of the subjects
 * are the unit's (`UNIT_PARTICIPANTS_DETAIL`): a caller adding its own detail keeps it.
 */
export function disclosureEntryBase(facts: DisclosureFacts): Omit<RegisterEntryInput, 'event'> {
  const { contract, catalogue, unit } = facts;
  const categories = categoriesOf(unit.payload.fields, catalogue);
  const special = unit.payload.fields.some((id) => catalogue.fields.get(id)?.special === true);
  const country = unit.recipient.country;
  const outside =
    country === undefined ? contract.recipient.country === FROM_UNIT : !isInEea(country);
  // No spread first: V8 builds a literal that starts with one on its slow path (~8 µs here,
  // for every transmission); spreads among the properties cost nothing.
  return {
    contract: { id: contract.id, version: contract.version, sha256: facts.contractSha256 },
    ...(facts.transmissionId === undefined ? {} : { transmissionId: facts.transmissionId }),
    recipient: {
      id: unit.recipient.id,
      name: unit.recipient.name,
      category: unit.recipient.category,
    },
    purpose: contract.purpose,
    legalBasis: contract.legalBasis,
    ...(special && contract.specialCategories.length > 0
      ? {
          specialCondition: [
            ...new Set(contract.specialCategories.map((rule) => rule.condition)),
          ].join(','),
        }
      : {}),
    // `unknown`: the unit does not tell the recipient's country (a carrier's or an insurer's
    // seat); the safeguard is recorded as applying if it is outside the EEA, which the
    // subject's report says in those words (`transferInWords`). A stay's hotel is known.
    ...(contract.transfer !== undefined && outside
      ? { transfer: { country: country ?? 'unknown', safeguard: contract.transfer.safeguard } }
      : {}),
    tripId: facts.tripId,
    unit: unit.unit.key,
    subjects: unit.subjects,
    fields: unit.payload.fields,
    categories,
    withheld: unit.withheld,
    payload: {
      sha256: facts.payload.sha256,
      bytes: facts.payload.bytes,
      format: contract.format.type,
    },
    transport: facts.transport,
    actor: facts.actor,
    ...(unit.payload.fields.some((id) => namesOthers(catalogue.fields.get(id)))
      ? { detail: { [UNIT_PARTICIPANTS_DETAIL]: unit.participantIds.length } }
      : {}),
  };
}
