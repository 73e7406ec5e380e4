import { createHash, hash } from 'node:crypto';
import type { Contract } from '../contracts/contract.js';
import type { FieldCatalogue } from '../fields/field-catalogue.js';
import type {
  FormatRegistry,
  PayloadFormat,
  RenderContext,
  RenderedFile,
} from '../formats/payload-format.js';
import type { Booking } from '../model/booking.js';
import type { IsoInstant, Trip } from '../model/trip.js';
import type { DataQualityError, ProjectedUnit, UnitRef } from './minimized-unit.js';
import type { DataQualityRule } from './data-quality.js';
import {
  projectAllUnits,
  projectUnit,
  type ProjectionInput,
  type Restrictions,
} from './project-unit.js';

/**
 * The digest a disclosure's register entries name: sha256 over its files' texts as UTF-8,
 * one after the other, and their size in bytes — without a copy of their bytes; a single
 * file (most disclosures) hashed in one shot.
 */
export function filesDigest(files: readonly { readonly content: string }[]): {
  sha256: string;
  bytes: number;
} {
  let bytes = 0;
  for (const file of files) bytes += Buffer.byteLength(file.content, 'utf8');
  const [only] = files;
  if (files.length === 1 && only !== undefined) {
    return { sha256: hash('sha256', only.content, 'hex'), bytes };
  }
  const digest = createHash('sha256');
  for (const file of files) digest.update(file.content, 'utf8');
  return { sha256: digest.digest('hex'), bytes };
}

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
  /** Restrictions of processing in force for the trip's participants. */
  readonly restricted?: Restrictions;
  /** The render context of each unit (its reference, the preparation time). */
  readonly contextFor: (unit: ProjectedUnit) => RenderContext;
  /** `prepareFormat(contract, formats)`, when the caller keeps it: the same for every unit. */
  readonly prepared?: PreparedFormat;
}

/** A contract's format, its options parsed, and the fields and rules they call for. */
export interface PreparedFormat {
  readonly contract: Contract;
  readonly format: PayloadFormat<unknown>;
  readonly options: unknown;
  readonly requiredFields: readonly string[];
  readonly qualityRules: readonly DataQualityRule[];
}

interface Prepared {
  readonly format: PayloadFormat<unknown>;
  readonly options: unknown;
  readonly projection: ProjectionInput;
}

/**
 * The contract's format and options, and what they call for — the same for every unit of
 * every trip: a worker prepares it once per contract. The contract must have passed the
 * linter (its format exists, its options parse).
 */
export function prepareFormat(contract: Contract, formats: FormatRegistry): PreparedFormat {
  const format = formats.get(contract.format.type);
  if (format === undefined) throw new Error(`format ${contract.format.type} is not registered`);
  const options = format.parseOptions(contract.format.options);
  if (!options.ok)
    throw new Error(`options of format ${format.type} do not parse; lint the contract first`);
  return {
    contract,
    format,
    options: options.value,
    requiredFields: format.requires(options.value),
    qualityRules: format.qualityRules?.(options.value) ?? [],
  };
}

/** The projection input of this trip, with the contract's prepared format. */
function prepare(input: RenderInput): Prepared {
  const prepared =
    input.prepared?.contract === input.contract
      ? input.prepared
      : prepareFormat(input.contract, input.formats);
  return {
    format: prepared.format,
    options: prepared.options,
    projection: {
      trip: input.trip,
      bookings: input.bookings,
      contract: input.contract,
      catalogue: input.catalogue,
      requiredFields: prepared.requiredFields,
      qualityRules: prepared.qualityRules,
      ...(input.now === undefined ? {} : { now: input.now }),
      ...(input.restricted === undefined ? {} : { restricted: input.restricted }),
    },
  };
}

function render(prepared: Prepared, unit: ProjectedUnit, context: RenderContext): RenderedUnit {
  const rendered = prepared.format.serialize(unit.payload, prepared.options, context);
  // `Object.assign`, not `{ ...unit, files }` (V8's slow path for such literals: ~1 µs).
  if (rendered.ok && unit.errors.length === 0)
    return Object.assign({}, unit, { files: rendered.value });
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
}

/**
 * Projects and serializes every unit of a contract: the whole path from bookings to bytes,
 * pure. The contract must have passed the linter (its format exists, its options parse).
 */
export function renderContractUnits(input: RenderInput): RenderedUnit[] {
  const prepared = prepare(input);
  return projectAllUnits(prepared.projection).map((unit) =>
    render(prepared, unit, input.contextFor(unit)),
  );
}

/** The same for one unit (a transmission, a preview); an empty unit when it no longer exists. */
export function renderOneUnit(input: RenderInput, unit: UnitRef): RenderedUnit {
  const prepared = prepare(input);
  const projected = projectUnit(prepared.projection, unit);
  return render(prepared, projected, input.contextFor(projected));
}

/** `flight:F1` → the unit; undefined for a key this version does not write. */
export function parseUnitKey(key: string): UnitRef | undefined {
  const match =
    /^(flight|stay|trip|booking|participant):([A-Za-z0-9._-]+)(?::insurer:([A-Za-z0-9._-]+))?$/.exec(
      key,
    );
  if (match === null) return undefined;
  const [, kind, id, insurerId] = match;
  if (kind === undefined || id === undefined) return undefined;
  return {
    kind: kind as UnitRef['kind'],
    id,
    key,
    ...(insurerId === undefined ? {} : { insurerId }),
  };
}

/**
 * `flight:F1` → `flight-F1`; `trip:T-1:insurer:INS-A` → `trip-T-1.insurer-INS-A`: the names of
 * `passerelle preview`'s files, on the operator's own disk. What a recipient receives is named
 * by `deliveryFileName`, which leaves out the ids the contract does not list.
 */
export function unitFileStem(unit: UnitRef): string {
  const base = `${unit.kind}-${unit.id}`;
  return unit.insurerId === undefined ? base : `${base}.insurer-${unit.insurerId}`;
}
