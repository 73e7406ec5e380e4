import type { Contract } from '../contracts/contract.js';
import type { UnitKind } from '../fields/field-readers.js';
import type { UnitRef } from './minimized-unit.js';

/**
 * The catalogue field a unit's id is: a trip's id, a booking's reference and a participant's
 * id are data a contract lists or leaves out. A flight's or a stay's id is the trip
 * document's own (`F1`, `S1`), no field of the catalogue, and tells only which of the trip's
 * flights or stays the file is about — which its content says anyway.
 */
const ID_FIELD: Readonly<Record<UnitKind, string | undefined>> = {
  flight: undefined,
  stay: undefined,
  trip: 'trip.id',
  booking: 'booking.reference',
  participant: 'participant.id',
};

/**
 * The name of one delivered file: `<unit>.<reference>.<part>`, where `<unit>` is the unit's
 * kind, its id when the contract lets the recipient have it (`flight-F1`, `trip-T-1`; `trip`
 * when the contract does not list `trip.id`), and `insurer-<id>` for an insurer's unit — the
 * recipient's own id. A file name travels to the recipient like the content (as the remote
 * path, or in `X-Passerelle-File`), so it carries nothing the contract does not list.
 *
 * `reference` is the transmission's id (a random id of Passerelle's; `passerelle preview`,
 * which has no transmission, gives its own reference): a name is the same on each retry of a
 * part, which overwrites rather than duplicates, and two units that the name no longer tells
 * apart (two participants of one trip) never share one.
 */
export function deliveryFileName(
  contract: Pick<Contract, 'fields'>,
  unit: UnitRef,
  reference: string,
  suffix: string,
): string {
  const idField = ID_FIELD[unit.kind];
  const named = idField === undefined || contract.fields.includes(idField);
  const base = named ? `${unit.kind}-${unit.id}` : unit.kind;
  const stem = unit.insurerId === undefined ? base : `${base}.insurer-${unit.insurerId}`;
  return `${stem}.${reference}.${suffix}`;
}
