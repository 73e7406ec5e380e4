import type { Booking, Participant } from '../src/core/model/booking.js';
import type { Trip } from '../src/core/model/trip.js';

const GIVEN = [
  'Claire',
  'Tom',
  'Hélène',
  'Youssef',
  'Siobhán',
  'Jean-Loïc',
  'Åse',
  'Bjørn',
  'Zoë',
  'Léa',
];
const SURNAMES = [
  "O'Neill",
  'Müller-Durand',
  'Benali',
  'Lefèvre',
  'Straße',
  'Núñez',
  'D’Artagnan',
  'Øster',
  'Dupont',
  'Martin',
];
const MEALS = ['VGML', 'KSML', 'MOML', 'VLML', undefined, undefined];
const INSURERS = ['INS-MUTUELLE-VOYAGE', 'INS-ASSUR-JEUNES', 'INS-EURO-ASSIST'];

/**
 * A deterministic trip of `participants` people in bookings of 1–4 (no randomness: the
 * same count gives the same data), shaped like the bundled NYC sample: two flights, two
 * stays with rooms of two, every optional field filled so that every contract has work.
 */
export function generateTrip(participants: number): { trip: Trip; bookings: Booking[] } {
  const ids: string[] = [];
  const bookings: Booking[] = [];
  let index = 0;
  for (let b = 0; index < participants; b += 1) {
    const size = Math.min(1 + (b % 4), participants - index);
    const reference = `B-${String(b + 1).padStart(4, '0')}`;
    const people: Participant[] = [];
    for (let k = 0; k < size; k += 1, index += 1) {
      const id = `${reference}-${k + 1}`;
      ids.push(id);
      const leader = index % 12 === 0;
      const meal = MEALS[index % MEALS.length];
      people.push({
        id,
        role: leader ? 'leader' : 'participant',
        givenNames: GIVEN[index % GIVEN.length] ?? 'Claire',
        surname: SURNAMES[(index * 7) % SURNAMES.length] ?? 'Martin',
        gender: index % 2 === 0 ? 'F' : 'M',
        dateOfBirth: leader
          ? `19${80 + (index % 15)}-0${1 + (index % 9)}-1${index % 9}`
          : `20${10 + (index % 4)}-0${1 + (index % 9)}-1${index % 9}`,
        nationality: index % 5 === 0 ? 'DEU' : 'FRA',
        countryOfResidence: 'FRA',
        placeOfBirth: { city: 'Lyon', country: 'FRA' },
        ...(leader ? { phone: `+33 6 ${String(10_000_000 + index).slice(0, 8)}` } : {}),
        documents: [
          {
            type: 'passport',
            number: `${String(10 + (index % 80))}AB${String(10_000 + index)}`,
            issuingCountry: 'FRA',
            expiryDate: '2031-03-03',
            ...(index % 3 === 0
              ? { nameOnDocument: { surname: 'ONEILL', givenNames: 'CLAIRE MARIE' } }
              : {}),
          },
        ],
        ...(index % 10 === 0 ? { redressNumber: `20270${String(10_000 + index)}` } : {}),
        legalRepresentatives: leader
          ? []
          : [
              {
                givenNames: 'Anne',
                surname: 'Dupont',
                relationship: 'mother',
                phone: '+33 6 12 34 56 78',
                email: 'anne@example.org',
              },
            ],
        emergencyContacts: [
          { name: 'Patrick Dupont', relationship: 'father', phone: '+33 6 98 76 54 32' },
        ],
        health: {
          allergies: index % 4 === 0 ? ['penicillin'] : [],
          conditions: index % 6 === 0 ? ['asthma'] : [],
          medications: [],
          bloodType: 'A+',
        },
        ...(meal === undefined ? {} : { meal }),
        assistance: index % 25 === 0 ? ['WCHR'] : [],
        insurance: {
          insurerId: INSURERS[index % INSURERS.length] ?? 'INS-MUTUELLE-VOYAGE',
          policyNumber: `POL-${String(100_000 + index)}`,
        },
        consents: {
          shareMealWithProviders: index % 3 !== 1,
          shareAssistanceWithProviders: index % 5 !== 1,
          shareHealthWithInsurer: true,
          image: false,
          voice: false,
        },
        marketing: { newsletter: index % 2 === 0 },
        notes: 'Internal note that never leaves.',
      });
    }
    bookings.push({
      reference,
      tripId: 'T-BENCH',
      revision: 1,
      status: 'confirmed',
      customer: {
        givenNames: 'Anne',
        surname: 'Dupont',
        email: 'anne@example.org',
        phone: '+33 6 12 34 56 78',
        address: { lines: ['12 rue des Lilas'], postalCode: '69003', city: 'Lyon', country: 'FRA' },
      },
      participants: people,
    });
  }
  const rooms = (prefix: string) =>
    Array.from({ length: Math.ceil(ids.length / 2) }, (_, r) => ({
      id: `${prefix}${r + 1}`,
      type: 'TWN' as const,
      occupantIds: ids.slice(2 * r, 2 * r + 2),
    }));
  const trip: Trip = {
    id: 'T-BENCH',
    revision: 1,
    name: 'Benchmark trip',
    status: 'scheduled',
    startDate: '2027-07-01',
    endDate: '2027-07-12',
    flights: [
      {
        id: 'F1',
        carrier: 'AF',
        flightNumber: '22',
        pnr: 'K7Q2ZX',
        departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-01T10:30:00+02:00' },
        arrival: { airport: 'JFK', country: 'USA', scheduledAt: '2027-07-01T12:45:00-04:00' },
      },
      {
        id: 'F2',
        carrier: 'AF',
        flightNumber: '23',
        pnr: 'K7Q2ZX',
        departure: { airport: 'JFK', country: 'USA', scheduledAt: '2027-07-11T18:30:00-04:00' },
        arrival: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-12T07:55:00+02:00' },
      },
    ],
    stays: [
      {
        id: 'S1',
        hotel: {
          id: 'HTL-NYC-RIVER',
          name: 'Riverside Youth Hostel',
          address: {
            lines: ['891 Amsterdam Avenue'],
            postalCode: '10025',
            city: 'New York',
            region: 'NY',
            country: 'USA',
          },
        },
        checkIn: '2027-07-01',
        checkOut: '2027-07-06',
        board: 'half-board',
        rooms: rooms('R'),
      },
      {
        id: 'S2',
        hotel: {
          id: 'HTL-BOS-HARBOR',
          name: 'Harbor Hostel',
          address: {
            lines: ['12 Harbor Street'],
            postalCode: '02110',
            city: 'Boston',
            region: 'MA',
            country: 'USA',
          },
        },
        checkIn: '2027-07-06',
        checkOut: '2027-07-11',
        board: 'breakfast',
        rooms: rooms('B'),
      },
    ],
  };
  return { trip, bookings };
}
