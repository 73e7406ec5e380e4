import { z } from 'zod';
import { isFieldValueList, type FieldValue } from '../../fields/field-value.js';
import type { RoomType } from '../../model/trip.js';
import type { MinimizedParticipant, MinimizedUnit } from '../../projection/minimized-unit.js';
import { parseWithSchema } from '../../shared/parse-with-schema.js';
import { fail, ok, type Result } from '../../shared/result.js';
import type { FormatError, PayloadFormat, RenderContext, RenderedFile } from '../payload-format.js';
import {
  ACCESSIBLE_ROOM_AMENITY,
  ADDITIONAL_DETAIL_TYPE,
  AGE_QUALIFYING_CODE,
  MEAL_DESCRIPTIONS,
  ROOM_TYPE_DESCRIPTIONS,
  UNIQUE_ID_TYPE,
} from './ota-codes.js';
import { ATTRIBUTES, writeXml, type XmlElement } from './xml-writer.js';

/** The OpenTravel namespace of every 1.0 message, whatever the release. */
export const OTA_NAMESPACE = 'http://www.opentravel.org/OTA/2003/05';
/** `@Version` is the message's own schema version: `version` of OTA_HotelRoomListRQ.xsd in 2017B. */
export const OTA_ROOM_LIST_VERSION = '6.000';

const FIELDS = {
  surname: 'participant.surname',
  givenNames: 'participant.givenNames',
  isMinor: 'participant.isMinor',
  meal: 'participant.meal',
  accessibleRoom: 'participant.accessibleRoom',
  roomId: 'room.id',
  roomType: 'room.type',
  roomOccupants: 'room.occupants',
  hotel: 'stay.hotel',
  checkIn: 'stay.checkIn',
  checkOut: 'stay.checkOut',
} as const;

const ROOM_TYPE_CODES = ['SGL', 'TWN', 'DBL', 'TRP', 'QUAD', 'DORM'] as const satisfies RoomType[];

/** XML 1.0 `Char`: anything else cannot be written in a document, escaped or not. */
const XML_TEXT = /^[\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]*$/u;
/** `OTA_CodeType`. */
const OTA_CODE = /^[0-9A-Z]{1,3}(?:\.[A-Z]{3}(?:\.X)?)?$/;
const IATA_MEAL_CODE = /^[A-Z]{4}$/;
const XS_DATE = /^\d{4}-\d{2}-\d{2}$/;
const XS_DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})?$/;
/** `GuestRPH` and `GuestCount` occur at most 99 times in a room (OTA 2017B). */
const MAX_GUESTS_PER_ROOM = 99;
/** `PersonName/GivenName` and `Surname` are `StringLength1to64`; GivenName occurs up to 5 times. */
const NAME_LENGTH = 64;
const MAX_GIVEN_NAMES = 5;
const DATA_ERROR = 'OTA_ROOM_LIST_DATA';
const CONTEXT_ERROR = 'OTA_ROOM_LIST_CONTEXT';

/** An OpenTravel `StringLength1toN`: the schema counts characters, i.e. code points. */
const otaString = (max: number) =>
  z
    .string()
    .regex(XML_TEXT, 'only characters XML can carry')
    .refine((text) => text.length > 0 && codePoints(text) <= max, `1 to ${max} characters`);

const optionsSchema = z.strictObject({
  /**
   * The sender as the hotel knows it (`POS/Source/RequestorID`): an id of at most 32
   * characters, its OpenTravel Unique ID Type (default 11, tour operator), whose id it is
   * (`ID_Context`, e.g. the hotel's CRS), and a display name.
   */
  requestor: z
    .strictObject({
      id: otaString(32),
      type: z.string().regex(OTA_CODE).default(UNIQUE_ID_TYPE.tourOperator),
      idContext: otaString(32).optional(),
      name: otaString(64).optional(),
    })
    .optional(),
  /**
   * The block the hotel opened for the group (`GroupBlockCode`, ≤ 16). Without it the code
   * is derived from the transmission reference, which only helps a hotel that agreed to it.
   */
  groupBlockCode: otaString(16).optional(),
  /** The chain the hotel belongs to, when its `HotelCode` is a chain code (`ChainCode`, ≤ 8). */
  chainCode: otaString(8).optional(),
  /** Whose code system `HotelCode` is in (`HotelCodeContext`, e.g. a CRS name, ≤ 32). */
  hotelCodeContext: otaString(32).optional(),
  /** The hotel's own room type codes (`RoomTypeCode`, ≤ 16) for our room types. */
  roomTypeCodes: z.partialRecord(z.enum(ROOM_TYPE_CODES), otaString(16)).default({}),
  /** `Target`: whether the hotel should treat the list as a test. */
  target: z.enum(['Test', 'Production']).optional(),
});
export type OtaRoomListOptions = z.infer<typeof optionsSchema>;

/**
 * OpenTravel 2017B `OTA_HotelRoomListRQ` (OTA_HotelRoomListRQ.xsd, namespace
 * `http://www.opentravel.org/OTA/2003/05`): the rooming list of a group booked into a
 * hotel's block. Guests carry their names and an `RPH` (their position in the unit, from
 * 1); each room is a `RoomStay` whose `RoomShares/RoomShare/GuestRPHs/GuestRPH` name its
 * guests, with the stay's dates (`TimeSpan`), the room type and one `GuestCount` per guest
 * (`ResGuestRPH`), with the age band `AgeQualifyingCode` 8 (child) or 10 (adult) when the
 * contract allows the minor flag. A guest never carries a date of birth or an age: the
 * schema has no `Guest@Age`, and the contract only allows the band.
 *
 * Needs travel as requests, never as conditions or IATA assistance codes:
 * - an accessible room is a feature of the guest's room (`RoomType/Amenities/Amenity`, RMA
 *   161 "Accessible room", required);
 * - a meal requirement is the guest's `AdditionalDetail` (ADT 43), with the IATA code and its
 *   meaning in words.
 * A guest in no room (not yet roomed) has no `RoomStay` to carry a band or a room feature:
 * an unassigned minor gets an `AdditionalDetail` (ADT 45, code 8), an unassigned accessible
 * request one with ADT 4 (RMA 161). A list without rooms carries no dates; the block does.
 *
 * Guests are marked `ShareSynchInd="No"` and `ShareMarketInd="No"`: the hotel may neither
 * pass the data on to other providers nor use it for marketing (purpose limitation).
 */
export const otaRoomListFormat: PayloadFormat<OtaRoomListOptions> = {
  type: 'ota-room-list',
  standard: 'OpenTravel 2017B OTA_HotelRoomListRQ (OTA_HotelRoomListRQ.xsd)',
  units: ['stay'],
  parseOptions: (raw) => parseWithSchema(optionsSchema, raw, 'FORMAT_OPTIONS_INVALID'),
  emits: () => Object.values(FIELDS),
  requires: () => [
    FIELDS.surname,
    FIELDS.givenNames,
    FIELDS.hotel,
    FIELDS.checkIn,
    FIELDS.checkOut,
  ],
  serialize: (unit, options, context) => serializeRoomList(unit, options, context),
};

/** Collects problems: where and which rule, never the value. */
class Problems {
  readonly errors: FormatError[] = [];

  add(path: string, rule: string, field?: string, participant?: number): void {
    const error: { -readonly [K in keyof FormatError]: FormatError[K] } = {
      code: DATA_ERROR,
      path,
      rule,
    };
    if (field !== undefined) error.field = field;
    if (participant !== undefined) error.participant = participant;
    this.errors.push(error);
  }
}

interface Guest {
  readonly element: XmlElement;
  readonly isMinor: boolean | undefined;
  readonly accessibleRoom: boolean;
}

function serializeRoomList(
  unit: MinimizedUnit,
  options: OtaRoomListOptions,
  context: RenderContext,
): Result<RenderedFile[], FormatError> {
  const tree = buildRoomListTree(unit, options, context);
  if (!tree.ok) return tree;
  const content = `${writeXml(tree.value)}\n`;
  return ok([{ suffix: 'xml', mediaType: 'application/xml; charset=utf-8', content }]);
}

/**
 * The rooming list as the element tree the writer writes (attributes under `:@`, `#text`
 * text). Exported for the benchmark, whose baseline is `JSON.stringify` of this same tree.
 */
export function buildRoomListTree(
  unit: MinimizedUnit,
  options: OtaRoomListOptions,
  { reference, preparedAt }: RenderContext,
): Result<XmlElement, FormatError> {
  const problems = new Problems();
  if (!isOtaString(reference, 128)) {
    problems.errors.push({
      code: CONTEXT_ERROR,
      path: 'reference',
      rule: 'must be 1 to 128 characters',
    });
  }
  if (!XS_DATE_TIME.test(preparedAt)) {
    problems.errors.push({
      code: CONTEXT_ERROR,
      path: 'preparedAt',
      rule: 'must be a date and time',
    });
  }
  const hotel = readHotel(unit.values[FIELDS.hotel], problems);
  const checkIn = readDate(unit.values, FIELDS.checkIn, problems);
  const checkOut = readDate(unit.values, FIELDS.checkOut, problems);
  const roomOf = assignRooms(unit, problems);
  const guests = unit.participants.map((participant, index) =>
    readGuest(participant, index, roomOf.has(index), problems),
  );
  const timeSpan =
    checkIn === undefined || checkOut === undefined
      ? undefined
      : { [ATTRIBUTES]: { Start: checkIn, End: checkOut } };
  const roomStays = unit.rooms.map((room, roomIndex) => {
    const path = `rooms[${roomIndex}]`;
    const roomId = room.values[FIELDS.roomId];
    if (roomId !== undefined && !isOtaString(roomId, 32)) {
      problems.add(path, 'must be 1 to 32 characters', FIELDS.roomId);
    }
    const roomType = room.values[FIELDS.roomType];
    if (roomType !== undefined && !isRoomType(roomType)) {
      problems.add(path, `must be ${ROOM_TYPE_CODES.join(', ')}`, FIELDS.roomType);
    }
    return buildRoomStay(
      isRoomType(roomType) ? roomType : undefined,
      isOtaString(roomId, 32) ? roomId : undefined,
      room.occupants.filter((index) => roomOf.get(index) === roomIndex),
      guests,
      timeSpan,
      options,
    );
  });
  if (problems.errors.length > 0 || hotel === undefined) return fail(problems.errors);

  const listAttributes: Record<string, string> = {};
  if (options.chainCode !== undefined) listAttributes.ChainCode = options.chainCode;
  listAttributes.HotelCode = hotel.id;
  listAttributes.HotelName = hotel.name;
  if (options.hotelCodeContext !== undefined) {
    listAttributes.HotelCodeContext = options.hotelCodeContext;
  }
  listAttributes.GroupBlockCode = options.groupBlockCode ?? deriveGroupBlockCode(reference);
  const roomList: XmlElement = { [ATTRIBUTES]: listAttributes };
  if (guests.length > 0) roomList.Guests = { Guest: guests.map((guest) => guest.element) };
  if (roomStays.length > 0) roomList.RoomStays = { RoomStay: roomStays };

  const messageAttributes: Record<string, string> = {
    xmlns: OTA_NAMESPACE,
    EchoToken: reference,
    TimeStamp: preparedAt,
  };
  if (options.target !== undefined) messageAttributes.Target = options.target;
  messageAttributes.Version = OTA_ROOM_LIST_VERSION;
  const message: XmlElement = { [ATTRIBUTES]: messageAttributes };
  if (options.requestor !== undefined) message.POS = buildPos(options.requestor);
  message.HotelRoomLists = { HotelRoomList: roomList };

  return ok({
    '?xml': { [ATTRIBUTES]: { version: '1.0', encoding: 'UTF-8' } },
    OTA_HotelRoomListRQ: message,
  });
}

/** Each participant's room, by index; a participant in no room is a guest unassigned. */
function assignRooms(unit: MinimizedUnit, problems: Problems): Map<number, number> {
  const roomOf = new Map<number, number>();
  unit.rooms.forEach((room, roomIndex) => {
    const path = `rooms[${roomIndex}]`;
    if (room.occupants.length > MAX_GUESTS_PER_ROOM) {
      problems.add(path, `at most ${MAX_GUESTS_PER_ROOM} guests`, FIELDS.roomOccupants);
    }
    for (const index of room.occupants) {
      if (!Number.isInteger(index) || index < 0 || index >= unit.participants.length) {
        problems.add(path, 'names a guest not in the list', FIELDS.roomOccupants);
      } else if (roomOf.has(index)) {
        const rule = 'the guest is in more than one room';
        problems.add(`participants[${index}]`, rule, FIELDS.roomOccupants, index);
      } else {
        roomOf.set(index, roomIndex);
      }
    }
  });
  return roomOf;
}

const rphOf = (index: number): string => String(index + 1);

function readGuest(
  { values }: MinimizedParticipant,
  index: number,
  hasRoom: boolean,
  problems: Problems,
): Guest {
  const path = `participants[${index}]`;
  const name = (field: string): string => {
    const value = values[field];
    if (isOtaString(value, NAME_LENGTH)) return value;
    problems.add(
      path,
      value === undefined ? 'required' : `must be 1 to ${NAME_LENGTH} characters`,
      field,
      index,
    );
    return '';
  };
  const givenNamesOf = (): string | string[] => {
    const value = values[FIELDS.givenNames];
    if (isOtaString(value, NAME_LENGTH)) return value;
    const split = typeof value === 'string' ? splitGivenNames(value) : undefined;
    if (split !== undefined) return split;
    problems.add(
      path,
      value === undefined
        ? 'required'
        : `must be at most ${MAX_GIVEN_NAMES} names of 1 to ${NAME_LENGTH} characters, split at spaces`,
      FIELDS.givenNames,
      index,
    );
    return '';
  };
  const flag = (field: string): boolean | undefined => {
    const value = values[field];
    if (value === undefined || typeof value === 'boolean') return value;
    problems.add(path, 'must be true or false', field, index);
    return undefined;
  };
  const givenNames = givenNamesOf();
  const surname = name(FIELDS.surname);
  const isMinor = flag(FIELDS.isMinor);
  const accessibleRoom = flag(FIELDS.accessibleRoom) === true;
  const meal = values[FIELDS.meal];

  // ContactPersonType's PersonName, then the Guest extension's AdditionalDetails.
  const element: XmlElement = {
    [ATTRIBUTES]: { RPH: rphOf(index), ShareSynchInd: 'No', ShareMarketInd: 'No' },
    PersonName: { GivenName: givenNames, Surname: surname },
  };
  const details: XmlElement[] = [];
  if (typeof meal === 'string' && IATA_MEAL_CODE.test(meal)) {
    const words = MEAL_DESCRIPTIONS[meal] ?? meal;
    details.push(detail(ADDITIONAL_DETAIL_TYPE.mealPlan, meal, 'Meal requirement', words));
  } else if (meal !== undefined) {
    problems.add(path, 'must be an IATA special-meal code', FIELDS.meal, index);
  }
  if (!hasRoom && isMinor === true) {
    const child = AGE_QUALIFYING_CODE.child;
    details.push(detail(ADDITIONAL_DETAIL_TYPE.children, child, 'Age band', 'Child'));
  }
  if (!hasRoom && accessibleRoom) {
    const type = ADDITIONAL_DETAIL_TYPE.roomInformation;
    details.push(detail(type, ACCESSIBLE_ROOM_AMENITY, 'Room request', 'Accessible room'));
  }
  if (details.length > 0) element.AdditionalDetails = { AdditionalDetail: details };
  return { element, isMinor, accessibleRoom };
}

/**
 * Given names too long for one `GivenName` (64 characters; the input model allows 70) as
 * several, split at spaces into as few as the words allow — a hotel gets the whole name
 * rather than no rooming list for anyone. Undefined when they cannot be split so: a word
 * longer than 64 characters, more than five parts, or what XML cannot carry.
 */
function splitGivenNames(givenNames: string): string[] | undefined {
  if (!XML_TEXT.test(givenNames)) return undefined;
  const parts: string[] = [];
  let current = '';
  for (const word of givenNames.split(' ')) {
    if (word === '') continue;
    const longer = current === '' ? word : `${current} ${word}`;
    if (codePoints(longer) <= NAME_LENGTH) {
      current = longer;
      continue;
    }
    if (codePoints(word) > NAME_LENGTH) return undefined;
    parts.push(current);
    current = word;
  }
  if (current !== '') parts.push(current);
  return parts.length > 0 && parts.length <= MAX_GIVEN_NAMES ? parts : undefined;
}

const detail = (type: string, code: string, name: string, text: string): XmlElement => ({
  [ATTRIBUTES]: { Type: type, Code: code },
  DetailDescription: { [ATTRIBUTES]: { Name: name }, Text: text },
});

/** In the order of RoomStayType, then of the room list's extension (RoomShares, UniqueID). */
function buildRoomStay(
  roomType: RoomType | undefined,
  roomId: string | undefined,
  occupants: readonly number[],
  guests: readonly Guest[],
  timeSpan: XmlElement | undefined,
  options: OtaRoomListOptions,
): XmlElement {
  const stay: XmlElement = {};
  const accessible = occupants.some((index) => guests[index]?.accessibleRoom === true);
  if (roomType !== undefined || accessible) {
    const type: XmlElement = {};
    if (roomType !== undefined) {
      const typeAttributes: Record<string, string> = { RoomType: roomType };
      type[ATTRIBUTES] = typeAttributes;
      const hotelCode = options.roomTypeCodes[roomType];
      if (hotelCode !== undefined) typeAttributes.RoomTypeCode = hotelCode;
      if (roomType === 'DORM') typeAttributes.SharedRoomInd = 'true';
      type.RoomDescription = { Text: ROOM_TYPE_DESCRIPTIONS[roomType] };
    }
    if (accessible) {
      type.Amenities = {
        Amenity: {
          [ATTRIBUTES]: { RoomAmenity: ACCESSIBLE_ROOM_AMENITY, PreferLevel: 'Required' },
          '#text': 'Accessible room',
        },
      };
    }
    stay.RoomTypes = { RoomType: type };
  }
  if (occupants.length > 0) {
    stay.GuestCounts = {
      GuestCount: occupants.map((index): XmlElement => {
        const isMinor = guests[index]?.isMinor;
        return isMinor === undefined
          ? { [ATTRIBUTES]: { Count: '1', ResGuestRPH: rphOf(index) } }
          : {
              [ATTRIBUTES]: {
                AgeQualifyingCode: isMinor ? AGE_QUALIFYING_CODE.child : AGE_QUALIFYING_CODE.adult,
                Count: '1',
                ResGuestRPH: rphOf(index),
              },
            };
      }),
    };
  }
  if (timeSpan !== undefined) stay.TimeSpan = timeSpan;
  if (occupants.length > 0) {
    stay.RoomShares = { RoomShare: { GuestRPHs: { GuestRPH: occupants.map(rphOf) } } };
  }
  if (roomId !== undefined) {
    stay.UniqueID = { [ATTRIBUTES]: { Type: UNIQUE_ID_TYPE.reference, ID: roomId } };
  }
  return stay;
}

function buildPos(requestor: NonNullable<OtaRoomListOptions['requestor']>): XmlElement {
  const attributes: Record<string, string> = { Type: requestor.type, ID: requestor.id };
  if (requestor.idContext !== undefined) attributes.ID_Context = requestor.idContext;
  if (requestor.name !== undefined) attributes.Name = requestor.name;
  const requestorId: XmlElement = { [ATTRIBUTES]: attributes };
  return { Source: { RequestorID: requestorId } };
}

function readHotel(
  value: FieldValue | undefined,
  problems: Problems,
): { id: string; name: string } | undefined {
  const record = typeof value === 'object' && !isFieldValueList(value) ? value : undefined;
  const id = record?.id;
  const name = record?.name;
  if (value === undefined) {
    problems.add('values', 'required', FIELDS.hotel);
  } else if (!isOtaString(id, 16)) {
    problems.add('values', 'the id must be 1 to 16 characters', FIELDS.hotel);
  } else if (!isOtaString(name, 128)) {
    problems.add('values', 'the name must be 1 to 128 characters', FIELDS.hotel);
  } else {
    return { id, name };
  }
  return undefined;
}

function readDate(
  values: Readonly<Record<string, FieldValue>>,
  field: string,
  problems: Problems,
): string | undefined {
  const value = values[field];
  if (typeof value === 'string' && isCalendarDate(value)) return value;
  problems.add('values', value === undefined ? 'required' : 'must be a date', field);
  return undefined;
}

function isCalendarDate(text: string): boolean {
  if (!XS_DATE.test(text)) return false;
  const time = Date.parse(`${text}T00:00:00Z`);
  return !Number.isNaN(time) && new Date(time).toISOString().startsWith(text);
}

const isRoomType = (value: FieldValue | undefined): value is RoomType =>
  typeof value === 'string' && (ROOM_TYPE_CODES as readonly string[]).includes(value);

/** Characters as the schema counts them: code points. */
const codePoints = (text: string): number =>
  text.length - (text.match(/[\uD800-\uDBFF][\uDC00-\uDFFF]/g)?.length ?? 0);

const isOtaString = (value: FieldValue | undefined, max: number): value is string =>
  typeof value === 'string' &&
  value.length > 0 &&
  (value.length <= max || codePoints(value) <= max) &&
  XML_TEXT.test(value);

/**
 * The block code when the contract gives none: the reference itself when it fits 16
 * characters, otherwise `PAS` and its FNV-1a 64-bit hash in base 36 — the same reference
 * always gives the same code.
 */
export function deriveGroupBlockCode(reference: string): string {
  if (codePoints(reference) <= 16) return reference;
  let hash = 0xcbf29ce484222325n;
  for (const byte of new TextEncoder().encode(reference)) {
    hash = ((hash ^ BigInt(byte)) * 0x100000001b3n) & 0xffffffffffffffffn;
  }
  return `PAS${hash.toString(36).toUpperCase().padStart(13, '0')}`;
}
