import type { UnitKind } from '../fields/field-readers.js';
import type { DataQualityRule } from '../projection/data-quality.js';
import type { MinimizedUnit } from '../projection/minimized-unit.js';
import type { IsoInstant } from '../model/trip.js';
import type { Result } from '../shared/result.js';

/** One file of a payload; split messages have several. */
export interface RenderedFile {
  /** Appended to the unit's file stem: `csv`, `json`, `part01.edi`. */
  readonly suffix: string;
  readonly mediaType: string;
  readonly content: string;
}

/** What a serializer may need beyond the data; supplied by the caller (no clock in the core). */
export interface RenderContext {
  /**
   * A stable reference for this transmission: 1 to 12 upper-case letters or digits, so that
   * formats can derive control references from it (EDIFACT's are at most 14 characters).
   */
  readonly reference: string;
  /** When the payload is prepared. */
  readonly preparedAt: IsoInstant;
}

/** A serializer's problem; `participant` indexes `MinimizedUnit.participants`. */
export interface FormatError {
  readonly code: string;
  readonly path: string;
  readonly rule: string;
  readonly participant?: number;
  readonly field?: string;
}

/** Every disclosable field of the catalogue (generic formats such as CSV and JSON). */
export const ANY_DISCLOSABLE_FIELD = 'any-disclosable';

/**
 * The format port. A format declares what it can emit and what it requires, so the
 * linter checks necessity both ways for formats added later, and it receives only the
 * minimized unit.
 */
export interface PayloadFormat<Options> {
  readonly type: string;
  /** The guide or standard the format follows. */
  readonly standard: string;
  readonly units: readonly UnitKind[];
  parseOptions(raw: Readonly<Record<string, unknown>>): Result<Options>;
  /** The fields this format can put in a payload with these options. */
  emits(options: Options): typeof ANY_DISCLOSABLE_FIELD | readonly string[];
  /** The fields the contract must allow, and every participant must have a value for. */
  requires(options: Options): readonly string[];
  /** Checks on the full data that must pass before a unit is rendered (never emitted). */
  qualityRules?(options: Options): readonly DataQualityRule[];
  serialize(
    unit: MinimizedUnit,
    options: Options,
    context: RenderContext,
  ): Result<RenderedFile[], FormatError>;
}

export type FormatRegistry = ReadonlyMap<string, PayloadFormat<unknown>>;

export function createFormatRegistry(formats: readonly PayloadFormat<unknown>[]): FormatRegistry {
  return new Map(formats.map((format) => [format.type, format]));
}
