import fc from 'fast-check';
import { XMLParser } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { arbTripWorld, type TripWorld } from '../../../test/support/arbitraries.js';
import { shippedContracts, shippedLintContext } from '../../../test/support/shipped-catalog.js';
import type { Contract } from '../contracts/contract.js';
import type { Participant } from '../model/booking.js';
import { unitsOfField } from '../fields/field-readers.js';
import { prepareFormat, renderContractUnits, renderOneUnit } from './render-unit.js';

const context = shippedLintContext();
const { contract, all: shippedAll } = shippedContracts(context);
const NOW = '2027-06-20T09:00:00+02:00';

const renderInput = (world: TripWorld, id: string) => ({
  ...world,
  contract: contract(id),
  catalogue: context.catalogue,
  formats: context.formats,
  now: NOW,
  contextFor: () => ({ reference: 'PROPERTY0001', preparedAt: NOW }),
});

function render(world: TripWorld, id: string) {
  return renderContractUnits(renderInput(world, id));
}

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const dateForms = (date: string): string[] => {
  const [y = '', m = '', d = ''] = date.split('-');
  return [
    date,
    `${d}${MONTHS[Number(m) - 1] ?? ''}${y.slice(2)}`,
    `${y}${m}${d}`,
    `${d}/${m}/${y}`,
  ];
};

/** What neither a hotel nor an airline group desk may ever receive. */
function forbiddenFor(participant: Participant, withDateOfBirth: boolean): string[] {
  return [
    ...participant.documents.map((document) => document.number),
    ...(participant.health === undefined
      ? []
      : [
          ...participant.health.allergies,
          ...participant.health.conditions,
          ...participant.health.medications,
          participant.health.notes ?? '',
        ]),
    ...(withDateOfBirth ? dateForms(participant.dateOfBirth) : []),
    ...(participant.notes === undefined ? [] : [participant.notes]),
  ].filter((value) => value.length >= 4);
}

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@_',
  isArray: (name) =>
    ['Guest', 'AdditionalDetail', 'RoomStay', 'GuestCount', 'GuestRPH'].includes(name),
});

interface ParsedGuest {
  readonly '@_RPH': string;
  readonly PersonName: { readonly GivenName: string; readonly Surname: string };
  readonly AdditionalDetails?: {
    readonly AdditionalDetail: readonly { readonly '@_Type': string; readonly '@_Code': string }[];
  };
}

const participantsOf = (world: TripWorld): Participant[] =>
  world.bookings.flatMap((booking) => booking.participants);
const xmlText = (value: string): string =>
  value
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&apos;');

describe('what hotels and airline group desks receive (shipped contracts, property-based)', () => {
  it('should never give a hotel a document number, a date of birth or a health value, and a meal only with consent on half or full board', () => {
    fc.assert(
      fc.property(arbTripWorld(), (world) => {
        for (const unit of render(world, 'hotel-rooming-list')) {
          const content = unit.files.map((file) => file.content).join('');
          for (const participant of participantsOf(world)) {
            for (const value of forbiddenFor(participant, true)) {
              expect(content.includes(value) || content.includes(xmlText(value))).toBe(false);
            }
          }
          if (content === '') continue;
          const stay = world.trip.stays.find((s) => `stay:${s.id}` === unit.unit.key);
          const guests =
            (
              xml.parse(content) as {
                OTA_HotelRoomListRQ: {
                  HotelRoomLists: { HotelRoomList: { Guests?: { Guest: ParsedGuest[] } } };
                };
              }
            ).OTA_HotelRoomListRQ.HotelRoomLists.HotelRoomList.Guests?.Guest ?? [];
          guests.forEach((guest, index) => {
            const subject = unit.participantIds[index];
            const participant = participantsOf(world).find((p) => p.id === subject);
            const meals = (guest.AdditionalDetails?.AdditionalDetail ?? []).filter(
              (detail) => detail['@_Type'] === '43',
            );
            const mayHaveMeal =
              participant?.consents.shareMealWithProviders === true &&
              participant.meal !== undefined &&
              (stay?.board === 'half-board' || stay?.board === 'full-board');
            expect(meals.map((detail) => detail['@_Code'])).toEqual(
              mayHaveMeal ? [participant.meal] : [],
            );
          });
          // Never an assistance code, only the accessible-room request.
          for (const code of ['WCHR', 'BLND', 'DEAF', 'MEDA', 'DPNA'])
            expect(content).not.toContain(code);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('should never give an airline group desk a document number or a health value, and meal and assistance codes only with consent', () => {
    fc.assert(
      fc.property(arbTripWorld(), (world) => {
        for (const unit of render(world, 'airline-group-list')) {
          const content = unit.files.map((file) => file.content).join('');
          for (const participant of participantsOf(world)) {
            for (const value of forbiddenFor(participant, false))
              expect(content.includes(value) || content.includes(value.replace(/"/g, '""'))).toBe(
                false,
              );
          }
          if (content === '') continue;
          const [header = '', ...rows] = content.split('\r\n').filter((row) => row !== '');
          const columns = header.split(',');
          const mealColumn = columns.indexOf('MEAL');
          const assistanceColumn = columns.indexOf('ASSISTANCE');
          // Rows follow the unit's participants; meal and assistance are the last two cells,
          // which hold only codes (no quotes or commas), so they can be read from the end.
          expect(mealColumn).toBe(columns.length - 2);
          expect(assistanceColumn).toBe(columns.length - 1);
          expect(rows).toHaveLength(unit.participantIds.length);
          rows.forEach((row, index) => {
            const cells = row.split(',');
            const participant = participantsOf(world).find(
              (p) => p.id === unit.participantIds[index],
            );
            const meal = cells[cells.length - 2] ?? '';
            const assistance = cells[cells.length - 1] ?? '';
            expect(meal).toBe(
              participant?.consents.shareMealWithProviders === true ? (participant.meal ?? '') : '',
            );
            expect(assistance).toBe(
              participant?.consents.shareAssistanceWithProviders === true
                ? participant.assistance.join('; ')
                : '',
            );
          });
        }
      }),
      { numRuns: 100 },
    );
  });
});

describe('a format prepared once per contract (the worker keeps it)', () => {
  it('should render each unit exactly as preparing it anew does, and a prepared format of another contract should not be used', () => {
    const ids = shippedAll.map((c) => c.id);
    fc.assert(
      fc.property(
        arbTripWorld(),
        fc.constantFrom(...ids),
        fc.constantFrom(...ids),
        (world, id, other) => {
          const input = renderInput(world, id);
          const kept = prepareFormat(contract(id), context.formats);
          const stale = prepareFormat(contract(other), context.formats);
          for (const unit of renderContractUnits(input)) {
            const fresh = renderOneUnit(input, unit.unit);
            // One unit rendered alone is the same unit rendered with all the others.
            expect(fresh).toEqual(unit);
            expect(renderOneUnit({ ...input, prepared: kept }, unit.unit)).toEqual(fresh);
            expect(renderOneUnit({ ...input, prepared: stale }, unit.unit)).toEqual(fresh);
          }
        },
      ),
      { numRuns: 50 },
    );
  });
});

describe('a participant’s unit (what an emergency release opens)', () => {
  it('should render from the participant’s own booking and the leaders’ exactly as from every booking of the trip', () => {
    const emergency = contract('insurer-emergency');
    // Every field a participant unit may hold, not only those shipped.
    const everyField: Contract = {
      ...emergency,
      fields: [...context.catalogue.fields.values()]
        .filter(
          (field) => field.reader !== undefined && unitsOfField(field.id).includes('participant'),
        )
        .map((field) => field.id),
      format: { type: 'json', options: {} },
    };
    const participantContracts = [
      ...shippedAll.filter((c) => c.unit === 'participant'),
      everyField,
    ];
    fc.assert(
      fc.property(arbTripWorld(), fc.constantFrom(...participantContracts), (world, c) => {
        const input = { ...renderInput(world, c.id), contract: c };
        for (const unit of renderContractUnits(input)) {
          const own = world.bookings.filter(
            (booking) =>
              booking.participants.some((p) => p.id === unit.unit.id) ||
              booking.participants.some((p) => p.role === 'leader'),
          );
          expect(own.length).toBeLessThanOrEqual(world.bookings.length);
          expect(renderOneUnit({ ...input, bookings: own }, unit.unit)).toEqual(
            renderOneUnit(input, unit.unit),
          );
        }
      }),
      { numRuns: 100 },
    );
  });
});
