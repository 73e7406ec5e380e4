import type { Contract } from '../contracts/contract.js';
import type { FieldCatalogue } from '../fields/field-catalogue.js';
import type { FormatRegistry, RenderContext, RenderedFile } from '../formats/payload-format.js';
import type { Booking } from '../model/booking.js';
import type { IsoInstant, Trip } from '../model/trip.js';
import type { DataQualityError, ProjectedUnit } from './minimized-unit.js';
import { projectAllUnits } from './project-unit.js';

export interface RenderedUnit extends ProjectedUnit {
  /** Empty when `errors` is not: a unit with data-quality errors is not rendered. */
  readonly files: readonly RenderedFile[];
}

export interface RenderInput {
  readonly trip: Trip;
  readonly bookings: readonly Booking[];
  readonly contract: Contract;
  readonly catalogue: FieldCatalogue;
  readonly formats: FormatRegistry;
  readonly now?: IsoInstant;
  /** The render context of each unit (its reference, the preparation time). */
  readonly contextFor: (unit: ProjectedUnit) => RenderContext;
}

/**
 * Projects and serializes every unit of a contract: the whole path from bookings to bytes,
 * pure. The contract must have passed the linter (its format exists, its options parse).
 */
export function renderContractUnits(input: RenderInput): RenderedUnit[] {
  const format = input.formats.get(input.contract.format.type);
  if (format === undefined)
    throw new Error(`format ${input.contract.format.type} is not registered`);
  const options = format.parseOptions(input.contract.format.options);
  if (!options.ok)
    throw new Error(`options of format ${format.type} do not parse; lint the contract first`);
  const projected = projectAllUnits({
    trip: input.trip,
    bookings: input.bookings,
    contract: input.contract,
    catalogue: input.catalogue,
    requiredFields: format.requires(options.value),
    qualityRules: format.qualityRules?.(options.value) ?? [],
    ...(input.now === undefined ? {} : { now: input.now }),
  });
  return projected.map((unit): RenderedUnit => {
    const rendered = format.serialize(unit.payload, options.value, input.contextFor(unit));
    if (rendered.ok && unit.errors.length === 0) return { ...unit, files: rendered.value };
    // Every problem at once: the projection's, then the serializer's for the participants
    // the projection found nothing wrong with (its own complaints about them repeat it).
    const flagged = new Set(unit.errors.map((error) => error.subject));
    const formatErrors = rendered.ok
      ? []
      : rendered.errors
          .map((error): DataQualityError => ({
            subject:
              error.participant === undefined
                ? unit.unit.key
                : (unit.participantIds[error.participant] ?? unit.unit.key),
            field: error.field ?? error.path,
            rule: error.rule,
          }))
          .filter((error) => !flagged.has(error.subject));
    return { ...unit, errors: [...unit.errors, ...formatErrors], files: [] };
  });
}
