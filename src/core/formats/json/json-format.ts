import { z } from 'zod';
import { UNIT_KINDS } from '../../fields/field-readers.js';
import { parseWithSchema } from '../../shared/parse-with-schema.js';
import { ok } from '../../shared/result.js';
import { ANY_DISCLOSABLE_FIELD, type PayloadFormat } from '../payload-format.js';
import { requiredFieldsOption } from '../required-option.js';

const optionsSchema = z.strictObject({
  indent: z.union([z.literal(0), z.literal(2)]).default(0),
  required: requiredFieldsOption,
});
export type JsonOptions = z.infer<typeof optionsSchema>;

/**
 * JSON (RFC 8259), UTF-8, with a stable key order: the document's own keys as below, values
 * in the contract's field order, records (addresses, flight points) in the order their
 * reader builds them — so the same data always gives the same bytes. The document names the
 * contract it was made under; values are keyed by field id, so the contract is the schema:
 *
 * `{ "contract": { "id", "version" }, "recipient": "…", "unit": { <unit fields> },
 *    "participants": [ { <participant fields> } ], "rooms": [ … ] }`
 */
export const jsonFormat: PayloadFormat<JsonOptions> = {
  type: 'json',
  standard: 'RFC 8259 (JSON), keys sorted by code point',
  units: UNIT_KINDS,
  parseOptions: (raw) => parseWithSchema(optionsSchema, raw, 'FORMAT_OPTIONS_INVALID'),
  emits: () => ANY_DISCLOSABLE_FIELD,
  requires: (options) => options.required,
  serialize(unit, options) {
    const document = {
      contract: unit.contract,
      recipient: unit.recipient.id,
      unit: unit.values,
      participants: unit.participants.map((participant) => participant.values),
      ...(unit.rooms.length > 0
        ? {
            rooms: unit.rooms.map((room) => ({
              ...room.values,
              ...(room.occupants.length > 0
                ? { occupants: room.occupants.map((index) => index + 1) }
                : {}),
            })),
          }
        : {}),
    };
    const content = `${JSON.stringify(document, null, options.indent)}\n`;
    return ok([{ suffix: 'json', mediaType: 'application/json; charset=utf-8', content }]);
  },
};
