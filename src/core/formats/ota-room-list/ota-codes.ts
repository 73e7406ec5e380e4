import type { RoomType } from '../../model/trip.js';

/**
 * The OpenTravel code-list values the rooming list uses. OpenTravel publishes its code
 * lists apart from the XSDs (an `OTA_CodeType` attribute only checks the shape of a code),
 * so each value below names its list. Checked against published copies of the lists:
 * ADT (SiteMinder's OTA code list reference), RMA (the Open Data Hub AlpineBits
 * enumeration), AQC (a tour-operator CRS guide: 7 infant, 8 child, 10 adult). UIT 16 is
 * the "Reference" type seen throughout OpenTravel samples; UIT 11 ("Tour operator") is
 * UNVERIFIED against the list itself, hence a contract option.
 */

/** Age Qualifying Code (AQC): the age band of a guest. */
export const AGE_QUALIFYING_CODE = { child: '8', adult: '10' } as const;

/** Room Amenity Type (RMA) 161, "Accessible room": a feature of the room, not of the guest. */
export const ACCESSIBLE_ROOM_AMENITY = '161';

/** Additional Detail Type (ADT): what an `AdditionalDetail` on a guest is about. */
export const ADDITIONAL_DETAIL_TYPE = {
  /** 4, "Room information": a room request of a guest who has no room yet. */
  roomInformation: '4',
  /** 43, "Meal plan description": the guest's meal requirement. */
  mealPlan: '43',
  /** 45, "Children information": the age band of a guest who has no room yet. */
  children: '45',
} as const;

/** Unique ID Type (UIT). */
export const UNIQUE_ID_TYPE = {
  /** 11, "Tour operator": the default kind of sender. */
  tourOperator: '11',
  /** 16, "Reference": the tour operator's own id for a room of the list. */
  reference: '16',
} as const;

/**
 * Room types travel as the trade's abbreviations (`RoomType`, which the schema leaves to
 * the trading partners), spelled out in the room description for the front desk; a
 * contract may add the hotel's own system codes (`RoomTypeCode`).
 */
export const ROOM_TYPE_DESCRIPTIONS: Readonly<Record<RoomType, string>> = {
  SGL: 'Single room',
  TWN: 'Twin room (two separate beds)',
  DBL: 'Double room (one double bed)',
  TRP: 'Triple room',
  QUAD: 'Quadruple room',
  DORM: 'Dormitory (shared room)',
};

/**
 * IATA special-meal codes (AIRIMP; formats.md §5.1) in words: a hotel kitchen does not read
 * airline codes. A code not listed here travels as the code alone.
 */
export const MEAL_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AVML: 'Asian vegetarian meal',
  BBML: 'Baby meal',
  BLML: 'Bland meal',
  CHML: 'Child meal',
  DBML: 'Diabetic meal',
  FPML: 'Fruit platter',
  GFML: 'Gluten-free meal',
  HNML: 'Hindu meal (no beef)',
  JPML: 'Japanese meal',
  KSML: 'Kosher meal',
  LCML: 'Low-calorie meal',
  LFML: 'Low-fat meal',
  LSML: 'Low-salt meal',
  MOML: 'Halal meal',
  NLML: 'Low-lactose meal',
  RVML: 'Raw vegetarian meal',
  SFML: 'Seafood meal',
  SPML: 'Special meal',
  VGML: 'Vegan meal',
  VJML: 'Jain vegetarian meal',
  VLML: 'Vegetarian meal (lacto-ovo)',
  VOML: 'Vegetarian oriental meal',
};
