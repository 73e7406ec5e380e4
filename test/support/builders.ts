import type { Booking, Participant } from '../../src/core/model/booking.js';
import type { Flight, Stay, Trip } from '../../src/core/model/trip.js';

/** Small, readable core-typed fixtures; override what a test is about. */
export function aParticipant(
  overrides: Partial<Participant> & Pick<Participant, 'id'>,
): Participant {
  return {
    role: 'participant',
    givenNames: `Given${overrides.id}`,
    surname: `Surname${overrides.id}`,
    gender: 'F',
    dateOfBirth: '2011-03-04',
    nationality: 'FRA',
    countryOfResidence: 'FRA',
    documents: [
      {
        type: 'passport',
        number: `PP${overrides.id.replace(/[^A-Z0-9]/gi, '').toUpperCase()}00`,
        issuingCountry: 'FRA',
        expiryDate: '2031-03-03',
      },
    ],
    legalRepresentatives: [
      {
        givenNames: 'Rep',
        surname: `Parent${overrides.id}`,
        relationship: 'mother',
        phone: '+33 6 00 00 00 01',
      },
    ],
    emergencyContacts: [
      { name: `Contact ${overrides.id}`, relationship: 'father', phone: '+33 6 00 00 00 02' },
    ],
    assistance: [],
    consents: {
      shareMealWithProviders: true,
      shareAssistanceWithProviders: true,
      shareHealthWithInsurer: true,
      image: false,
      voice: false,
    },
    ...overrides,
  };
}

export function aBooking(
  reference: string,
  participants: readonly Participant[],
  overrides: Partial<Booking> = {},
): Booking {
  return {
    reference,
    tripId: 'T-1',
    revision: 1,
    status: 'confirmed',
    customer: {
      givenNames: 'Customer',
      surname: `Payer${reference}`,
      email: `payer-${reference.toLowerCase()}@example.org`,
      phone: '+33 1 00 00 00 00',
      address: { lines: ['1 rue de la Paix'], postalCode: '75002', city: 'Paris', country: 'FRA' },
    },
    participants,
    ...overrides,
  };
}

export function aFlight(
  id: string,
  from: string,
  to: string,
  overrides: Partial<Flight> = {},
): Flight {
  return {
    id,
    carrier: 'AF',
    flightNumber: '22',
    pnr: 'K7Q2ZX',
    departure: { airport: 'CDG', country: from, scheduledAt: '2027-07-01T10:30:00+02:00' },
    arrival: { airport: 'JFK', country: to, scheduledAt: '2027-07-01T12:45:00-04:00' },
    ...overrides,
  };
}

/** JFK→LAX on 5 July 2027: a flight within the USA (domestic for CBP APIS, not for Secure Flight). */
export const aUsDomesticFlight = (id: string): Flight =>
  aFlight(id, 'USA', 'USA', {
    departure: { airport: 'JFK', country: 'USA', scheduledAt: '2027-07-05T08:00:00-04:00' },
    arrival: { airport: 'LAX', country: 'USA', scheduledAt: '2027-07-05T11:20:00-07:00' },
  });

export function aStay(id: string, country: string, overrides: Partial<Stay> = {}): Stay {
  return {
    id,
    hotel: {
      id: `HTL-${id}`,
      name: `Hotel ${id}`,
      address: { lines: [`${id} Main Street`], city: 'Somewhere', country },
    },
    checkIn: '2027-07-01',
    checkOut: '2027-07-11',
    board: 'half-board',
    rooms: [],
    ...overrides,
  };
}

export function aTrip(overrides: Partial<Trip> = {}): Trip {
  return {
    id: 'T-1',
    revision: 1,
    name: 'Test trip',
    status: 'scheduled',
    startDate: '2027-07-01',
    endDate: '2027-07-12',
    flights: [aFlight('F1', 'FRA', 'USA')],
    stays: [aStay('S1', 'USA')],
    ...overrides,
  };
}
