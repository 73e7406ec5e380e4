import fc from 'fast-check';
import type { Contract, SpecialCategoryRule } from '../../src/core/contracts/contract.js';
import type { FieldCatalogue } from '../../src/core/fields/field-catalogue.js';
import { shippedFormatRegistry } from '../../src/core/formats/format-registry.js';
import { unitsOfField, type UnitKind } from '../../src/core/fields/field-readers.js';
import { CONSENT_FLAG_CATEGORIES } from '../../src/core/contracts/lint-contracts.js';
import {
  CONSENT_FLAGS,
  type Booking,
  type ConsentFlag,
  type Participant,
  type TravelDocument,
} from '../../src/core/model/booking.js';
import {
  BOARDS,
  type Address,
  type Flight,
  type Stay,
  type Trip,
} from '../../src/core/model/trip.js';

/**
 * Text that exercises the serializers: letters with accents, apostrophes, quotes, CSV and
 * formula triggers. At least 4 characters so that leak checks are meaningful.
 */
export const arbText = (): fc.Arbitrary<string> =>
  fc
    .array(
      fc.constantFrom(
        ...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789éèüöÅßçñØ’\'"-,;=+@ '.split(
          '',
        ),
      ),
      { minLength: 4, maxLength: 16 },
    )
    .map((chars) => `${chars.join('').trim()}Zq`);

/** A person name as the input model accepts it: letters (accents too), `'`, `’`, `-`, spaces. */
export const arbName = (): fc.Arbitrary<string> =>
  fc
    .array(
      fc.constantFrom(
        ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZéèüöÅßçñØœ’'- ".split(''),
      ),
      {
        minLength: 2,
        maxLength: 14,
      },
    )
    .map(
      (chars) =>
        `${chars
          .join('')
          .replace(/[ '’-]+$/, '')
          .replace(/^[ '’-]+/, '')}Zq`,
    );

const arbDate = (from: number, to: number): fc.Arbitrary<string> =>
  fc
    .record({
      y: fc.integer({ min: from, max: to }),
      m: fc.integer({ min: 1, max: 12 }),
      d: fc.integer({ min: 1, max: 28 }),
    })
    .map(({ y, m, d }) => `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`);

const COUNTRIES = ['FRA', 'USA', 'DEU', 'JAM', 'BRB', 'CAN', 'ESP'];
const arbCountry = (): fc.Arbitrary<string> => fc.constantFrom(...COUNTRIES);

const arbAddress = (): fc.Arbitrary<Address> =>
  fc.record({
    lines: fc.array(arbText(), { minLength: 1, maxLength: 2 }),
    city: arbText(),
    country: arbCountry(),
    postalCode: arbText(),
  });

const arbDocument = (): fc.Arbitrary<TravelDocument> =>
  fc.record({
    type: fc.constantFrom('passport', 'identity-card', 'visa'),
    number: fc.stringMatching(/^[A-Z0-9]{8,12}$/),
    issuingCountry: arbCountry(),
    expiryDate: arbDate(2028, 2035),
    issueDate: arbDate(2018, 2026),
    nameOnDocument: fc.record({
      surname: fc.stringMatching(/^[A-Z]{4,10}$/),
      givenNames: fc.stringMatching(/^[A-Z]{4,10}$/),
    }),
  });

export interface TripWorld {
  readonly trip: Trip;
  readonly bookings: readonly Booking[];
}

/** A trip with 1–3 flights and 1–2 stays, and 1–4 bookings of 1–4 participants with every field filled. */
export const arbTripWorld = (): fc.Arbitrary<TripWorld> =>
  fc
    .record({
      flightCount: fc.integer({ min: 1, max: 3 }),
      stayCount: fc.integer({ min: 1, max: 2 }),
      tripStatus: fc.constantFrom('scheduled', 'scheduled', 'scheduled', 'cancelled'),
      tripName: arbText(),
      countries: fc.array(arbCountry(), { minLength: 6, maxLength: 6 }),
      pnr: fc.stringMatching(/^[A-Z0-9]{6}$/),
      boards: fc.array(fc.constantFrom(...BOARDS), { minLength: 2, maxLength: 2 }),
      hotels: fc.array(fc.record({ name: arbText(), address: arbAddress() }), {
        minLength: 2,
        maxLength: 2,
      }),
      bookings: fc.array(
        fc.record({
          status: fc.constantFrom('confirmed', 'confirmed', 'cancelled'),
          notes: arbText(),
          customer: fc.record({
            givenNames: arbText(),
            surname: arbText(),
            email: arbText(),
            phone: arbText(),
            address: arbAddress(),
          }),
          participants: fc.array(arbParticipantData(), { minLength: 1, maxLength: 4 }),
        }),
        { minLength: 1, maxLength: 4 },
      ),
    })
    .map((raw) => {
      const flights: Flight[] = Array.from({ length: raw.flightCount }, (_, i) => ({
        id: `F${i + 1}`,
        carrier: 'AF',
        flightNumber: String(20 + i),
        pnr: raw.pnr,
        departure: {
          airport: 'CDG',
          country: raw.countries[i] ?? 'FRA',
          scheduledAt: `2027-07-0${i + 1}T10:30:00+02:00`,
        },
        arrival: {
          airport: 'JFK',
          country: raw.countries[i + 3] ?? 'USA',
          scheduledAt: `2027-07-0${i + 1}T12:45:00-04:00`,
        },
      }));
      const stays: Stay[] = Array.from({ length: raw.stayCount }, (_, i) => ({
        id: `S${i + 1}`,
        hotel: {
          id: `HTL${i + 1}`,
          name: raw.hotels[i]?.name ?? 'Hotel',
          address: raw.hotels[i]?.address ?? { lines: ['x'], city: 'y', country: 'USA' },
        },
        checkIn: `2027-07-0${2 * i + 1}`,
        checkOut: `2027-07-0${2 * i + 3}`,
        board: raw.boards[i] ?? 'half-board',
        rooms: [],
      }));
      let n = 0;
      const bookings: Booking[] = raw.bookings.map((b, bi) => ({
        reference: `B${bi + 1}`,
        tripId: 'T-1',
        revision: 1,
        status: b.status,
        customer: b.customer,
        notes: b.notes,
        participants: b.participants.map((p) => {
          n += 1;
          const flightIds = p.takesAllFlights
            ? undefined
            : flights.filter((_, i) => i % 2 === n % 2).map((f) => f.id);
          const stayIds = p.takesAllStays ? undefined : stays.slice(0, 1).map((s) => s.id);
          const participant: Omit<ParticipantData, 'takesAllFlights' | 'takesAllStays'> &
            Partial<ParticipantData> = { ...p };
          delete participant.takesAllFlights;
          delete participant.takesAllStays;
          return {
            ...participant,
            id: `P${n}`,
            ...(flightIds === undefined ? {} : { flightIds }),
            ...(stayIds === undefined ? {} : { stayIds }),
          };
        }),
      }));
      // Room the first stay's guests two by two, by id.
      const firstStay = stays[0];
      if (firstStay !== undefined) {
        const ids = bookings
          .filter((b) => b.status === 'confirmed')
          .flatMap((b) => b.participants.map((p) => p.id));
        const rooms = [];
        for (let i = 0; i < ids.length; i += 2)
          rooms.push({
            id: `R${i / 2 + 1}`,
            type: 'TWN' as const,
            occupantIds: ids.slice(i, i + 2),
          });
        stays[0] = { ...firstStay, rooms };
      }
      const trip: Trip = {
        id: 'T-1',
        revision: 1,
        name: raw.tripName,
        status: raw.tripStatus,
        startDate: '2027-07-01',
        endDate: '2027-07-12',
        flights,
        stays,
      };
      return { trip, bookings };
    });

type ParticipantData = Omit<Participant, 'id' | 'flightIds' | 'stayIds'> & {
  takesAllFlights: boolean;
  takesAllStays: boolean;
};

function arbParticipantData(): fc.Arbitrary<ParticipantData> {
  return fc.record({
    takesAllFlights: fc.boolean(),
    takesAllStays: fc.boolean(),
    role: fc.constantFrom('participant', 'participant', 'leader', 'staff'),
    givenNames: arbName(),
    surname: arbName(),
    gender: fc.constantFrom('F', 'M', 'X', 'U'),
    dateOfBirth: arbDate(1960, 2016),
    nationality: arbCountry(),
    countryOfResidence: arbCountry(),
    placeOfBirth: fc.record({ city: arbText(), country: arbCountry() }),
    email: arbText(),
    phone: arbText(),
    address: arbAddress(),
    // Nearly everyone travels with a passport first (APIS needs one); some without.
    documents: fc
      .tuple(
        fc.boolean(),
        fc.boolean(),
        fc.boolean(),
        fc.array(arbDocument(), { minLength: 1, maxLength: 3 }),
      )
      .map(([a, b, c, documents]) =>
        a || b || c
          ? documents.map((document, i) =>
              i === 0 ? { ...document, type: 'passport' as const } : document,
            )
          : documents,
      ),
    redressNumber: fc.stringMatching(/^[0-9]{7,10}$/),
    knownTravelerNumber: fc.stringMatching(/^TT[0-9]{7}$/),
    legalRepresentatives: fc.array(
      fc.record({
        givenNames: arbText(),
        surname: arbText(),
        relationship: arbText(),
        phone: arbText(),
        email: arbText(),
      }),
      { minLength: 1, maxLength: 2 },
    ),
    emergencyContacts: fc.array(
      fc.record({ name: arbText(), relationship: arbText(), phone: arbText() }),
      { minLength: 1, maxLength: 2 },
    ),
    health: fc.record({
      allergies: fc.array(arbText(), { maxLength: 2 }),
      conditions: fc.array(arbText(), { maxLength: 2 }),
      medications: fc.array(arbText(), { maxLength: 2 }),
      bloodType: fc.constantFrom('A+', 'O-', 'AB+'),
      notes: arbText(),
    }),
    meal: fc.constantFrom('KSML', 'MOML', 'VGML', 'HNML', 'DBML'),
    assistance: fc.array(fc.constantFrom('WCHR', 'BLND', 'DEAF', 'MEDA', 'DPNA'), { maxLength: 2 }),
    insurance: fc.record({ insurerId: fc.constantFrom('INS-A', 'INS-B'), policyNumber: arbText() }),
    consents: fc.record({
      shareMealWithProviders: fc.boolean(),
      shareAssistanceWithProviders: fc.boolean(),
      shareHealthWithInsurer: fc.boolean(),
      image: fc.boolean(),
      voice: fc.boolean(),
    }),
    marketing: fc.record({
      newsletter: fc.boolean(),
      interests: fc.array(arbText(), { maxLength: 2 }),
    }),
    notes: arbText(),
  });
}

const registry = shippedFormatRegistry();

/** The message formats, with options like the shipped contracts'. */
const STRICT_FORMATS: Readonly<
  Record<string, { readonly unit: UnitKind; readonly options: Readonly<Record<string, unknown>> }>
> = {
  paxlst: {
    unit: 'flight',
    options: {
      directory: '05B',
      sender: { id: 'ASSOVOYAGES', qualifier: 'ZZ' },
      recipient: { id: 'USCSAPIS', qualifier: 'ZZ' },
      genders: ['M', 'F', 'U', 'X'],
      reportingParty: { name: 'ASSO OPS' },
      destinationAddressCountries: ['USA', 'JAM', 'BRB'],
      clearanceCountries: ['USA'],
    },
  },
  'sfpd-ssr': { unit: 'flight', options: { genders: ['M', 'F', 'U', 'X'] } },
  'ota-room-list': { unit: 'stay', options: {} },
};

/** The consent that may gate each special category (the linter's own table, inverted). */
const CONSENT_OF_CATEGORY: ReadonlyMap<string, ConsentFlag> = new Map(
  CONSENT_FLAGS.flatMap((flag) =>
    CONSENT_FLAG_CATEGORIES[flag].map((category) => [category, flag] as const),
  ),
);

/**
 * A contract that passes the linter: a unit kind, a random allow-list of fields that have a
 * value in it, csv or json, and either scheduled sending (special categories under explicit
 * consent) or on-demand release under vital interests.
 */
export const arbContract = (catalogue: FieldCatalogue): fc.Arbitrary<Contract> => {
  const disclosable = [...catalogue.fields.values()].filter((field) => field.disclosable);
  return fc
    .record({
      unit: fc.constantFrom<UnitKind>('flight', 'stay', 'trip', 'booking', 'participant'),
      insurer: fc.boolean(),
      onDemand: fc.boolean(),
      format: fc.constantFrom('csv', 'json', 'csv', 'json', 'paxlst', 'sfpd-ssr', 'ota-room-list'),
      roles: fc.subarray(['participant', 'leader', 'staff'] as const, { minLength: 1 }),
      touching: fc.option(fc.subarray(COUNTRIES, { minLength: 1 }), { nil: undefined }),
      picks: fc.array(fc.boolean(), {
        minLength: disclosable.length,
        maxLength: disclosable.length,
      }),
    })
    .map(
      ({
        unit: pickedUnit,
        insurer: pickedInsurer,
        onDemand: pickedOnDemand,
        format,
        roles,
        touching,
        picks,
      }) => {
        // The message formats render one kind of unit, emit a fixed list and need options.
        const strict = STRICT_FORMATS[format];
        const unit = strict?.unit ?? pickedUnit;
        const insurer = strict === undefined && pickedInsurer;
        const onDemand = strict === undefined && pickedOnDemand;
        const available = disclosable.filter((field) => unitsOfField(field.id).includes(unit));
        let fields = available.filter((_, i) => picks[i] === true).map((field) => field.id);
        if (strict !== undefined) {
          const definition = registry.get(format);
          const options = definition?.parseOptions(strict.options);
          const emits = options?.ok ? definition?.emits(options.value) : [];
          const requires = options?.ok ? (definition?.requires(options.value) ?? []) : [];
          const emitted = Array.isArray(emits) ? emits : [];
          fields = [...new Set([...requires, ...fields.filter((id) => emitted.includes(id))])];
        }
        if (fields.length === 0) fields = ['participant.surname'];
        const specialCategories = [
          ...new Set(
            fields
              .map((id) => catalogue.fields.get(id))
              .filter((f) => f?.special === true)
              .map((f) => f?.category ?? ''),
          ),
        ].sort();
        const rules: SpecialCategoryRule[] = onDemand
          ? specialCategories.length > 0
            ? [{ condition: 'vital-interests' }]
            : []
          : specialCategories.map((category) => ({
              condition: 'explicit-consent',
              categories: [category],
              consentFlag: CONSENT_OF_CATEGORY.get(category) ?? 'shareHealthWithInsurer',
            }));
        const contract: Contract = {
          id: 'generated',
          version: 1,
          // Each insurer of the unit, wherever it is: a safeguard in case it is outside the EEA.
          recipient: insurer
            ? { id: 'from-unit', name: 'Insurer', category: 'insurer', country: 'from-unit' }
            : { id: 'RCPT', name: 'Recipient', category: 'transport', country: 'FRA' },
          ...(insurer ? { transfer: { safeguard: 'scc' as const } } : {}),
          purpose: 'Generated for a property test.',
          legalBasis: onDemand ? 'vital-interests' : 'contract',
          specialCategories: rules,
          unit,
          scope: {
            roles,
            ...(insurer ? { insuredBy: 'recipient' as const } : {}),
            ...(unit === 'flight' && touching !== undefined ? { flightsTouching: touching } : {}),
          },
          fields,
          format: { type: format, options: strict?.options ?? {} },
          transport: onDemand ? { type: 'api-response' } : { type: 'outbox' },
          schedule: onDemand
            ? {
                kind: 'on-demand',
                from: { event: 'trip.start', direction: 'before', offset: 'P1D' },
                until: { event: 'trip.end', direction: 'after', offset: 'P1D' },
              }
            : {
                kind: 'planned',
                send: [{ event: 'trip.start', direction: 'before', offset: 'P7D' }],
                resend: 'on-change',
                until: { event: 'trip.start', direction: 'at', offset: 'PT0S' },
              },
          retention: 'P30D after trip.end',
        };
        return contract;
      },
    );
};

/** Every text leaf of a JSON-like value. */
export function textLeavesOf(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(textLeavesOf);
  if (value !== null && typeof value === 'object')
    return Object.values(value).flatMap(textLeavesOf);
  return [];
}
