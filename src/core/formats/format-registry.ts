import { csvFormat } from './csv/csv-format.js';
import { jsonFormat } from './json/json-format.js';
import { createFormatRegistry, type FormatRegistry, type PayloadFormat } from './payload-format.js';

/** The formats Passerelle ships; a new format is one more entry here. */
export const SHIPPED_FORMATS: readonly PayloadFormat<unknown>[] = [csvFormat, jsonFormat];

export const shippedFormatRegistry = (): FormatRegistry => createFormatRegistry(SHIPPED_FORMATS);
