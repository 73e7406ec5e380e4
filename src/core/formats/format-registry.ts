import { csvFormat } from './csv/csv-format.js';
import { jsonFormat } from './json/json-format.js';
import { otaRoomListFormat } from './ota-room-list/ota-room-list-format.js';
import { paxlstFormat } from './paxlst/paxlst-format.js';
import { createFormatRegistry, type FormatRegistry, type PayloadFormat } from './payload-format.js';
import { sfpdSsrFormat } from './sfpd-ssr/sfpd-ssr-format.js';

/** The formats Passerelle ships; a new format is one more entry here. */
export const SHIPPED_FORMATS: readonly PayloadFormat<unknown>[] = [
  csvFormat,
  jsonFormat,
  paxlstFormat,
  sfpdSsrFormat,
  otaRoomListFormat,
];

export const shippedFormatRegistry = (): FormatRegistry => createFormatRegistry(SHIPPED_FORMATS);
