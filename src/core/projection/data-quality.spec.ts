import { describe, expect, it } from 'vitest';
import { aFlight, aParticipant, aStay, aTrip } from '../../../test/support/builders.js';
import { checkDataQuality } from './data-quality.js';

const trip = aTrip({ endDate: '2027-07-12' });
const flight = aFlight('F1', 'FRA', 'USA', {
  departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-01T10:30:00+02:00' },
});
const withPassport = (expiryDate: string) =>
  aParticipant({
    id: 'P1',
    documents: [{ type: 'passport', number: 'AB123456', issuingCountry: 'FRA', expiryDate }],
  });

describe('checkDataQuality', () => {
  const both = ['passport-valid-for-flight', 'passport-valid-until-return'] as const;

  it('should require a passport, naming the participant and field, never a value', () => {
    const participant = aParticipant({
      id: 'P1',
      documents: [
        {
          type: 'identity-card',
          number: 'ID1234567',
          issuingCountry: 'FRA',
          expiryDate: '2030-01-01',
        },
      ],
    });
    expect(checkDataQuality(both, { trip, participant, flight })).toEqual([
      {
        subject: 'P1',
        field: 'participant.documents.passport.number',
        rule: 'a passport is required',
      },
    ]);
  });

  it('should refuse a passport expired on the day of the flight', () => {
    expect(
      checkDataQuality(both, { trip, participant: withPassport('2027-06-30'), flight }),
    ).toEqual([
      {
        subject: 'P1',
        field: 'participant.documents.passport.expiryDate',
        rule: 'expired on the day of the flight',
      },
    ]);
  });

  it('should refuse a passport that expires before the return', () => {
    expect(
      checkDataQuality(both, { trip, participant: withPassport('2027-07-11'), flight }),
    ).toEqual([
      {
        subject: 'P1',
        field: 'participant.documents.passport.expiryDate',
        rule: 'expires before the return',
      },
    ]);
    expect(
      checkDataQuality(both, { trip, participant: withPassport('2027-07-12'), flight }),
    ).toEqual([]);
  });

  it('should refuse a passport that expires before a return flight landing after the end date', () => {
    // The group leaves on its last day, 12 July, and lands on the 13th (local date).
    const late = aTrip({
      endDate: '2027-07-12',
      flights: [
        flight,
        aFlight('F2', 'USA', 'FRA', {
          departure: { airport: 'JFK', country: 'USA', scheduledAt: '2027-07-12T18:00:00-04:00' },
          arrival: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-13T07:55:00+02:00' },
        }),
      ],
    });
    const expiry = 'participant.documents.passport.expiryDate';
    expect(
      checkDataQuality(both, { trip: late, participant: withPassport('2027-07-12'), flight }),
    ).toEqual([{ subject: 'P1', field: expiry, rule: 'expires before the return' }]);
    expect(
      checkDataQuality(both, { trip: late, participant: withPassport('2027-07-13'), flight }),
    ).toEqual([]);
    // A participant who does not take that flight is held to the end date only.
    const notOnIt = { ...withPassport('2027-07-12'), flightIds: ['F1'] };
    expect(checkDataQuality(both, { trip: late, participant: notOnIt, flight })).toEqual([]);
  });

  it('should refuse a passport that expires before a stay checking out after the end date', () => {
    const late = aTrip({
      endDate: '2027-07-12',
      stays: [aStay('S1', 'USA', { checkIn: '2027-07-01', checkOut: '2027-07-14' })],
    });
    expect(
      checkDataQuality(both, { trip: late, participant: withPassport('2027-07-13'), flight }),
    ).toEqual([
      {
        subject: 'P1',
        field: 'participant.documents.passport.expiryDate',
        rule: 'expires before the return',
      },
    ]);
    expect(
      checkDataQuality(both, { trip: late, participant: withPassport('2027-07-14'), flight }),
    ).toEqual([]);
    const notInIt = { ...withPassport('2027-07-13'), stayIds: [] };
    expect(checkDataQuality(both, { trip: late, participant: notInIt, flight })).toEqual([]);
  });

  it('should check the first passport valid on the day of the flight, when an expired one is listed before it', () => {
    const participant = aParticipant({
      id: 'P1',
      documents: [
        { type: 'passport', number: 'OLD12345', issuingCountry: 'FRA', expiryDate: '2026-05-31' },
        { type: 'passport', number: 'NEW12345', issuingCountry: 'FRA', expiryDate: '2036-05-31' },
      ],
    });
    expect(checkDataQuality(both, { trip, participant, flight })).toEqual([]);
  });

  it('should still report the first passport as expired when none is valid on the day of the flight', () => {
    const participant = aParticipant({
      id: 'P1',
      documents: [
        { type: 'passport', number: 'OLD12345', issuingCountry: 'FRA', expiryDate: '2026-05-31' },
        { type: 'passport', number: 'OLD67890', issuingCountry: 'FRA', expiryDate: '2027-06-30' },
      ],
    });
    expect(checkDataQuality(both, { trip, participant, flight })).toEqual([
      {
        subject: 'P1',
        field: 'participant.documents.passport.expiryDate',
        rule: 'expired on the day of the flight',
      },
    ]);
  });

  it('should check nothing when the format asks for nothing', () => {
    expect(
      checkDataQuality([], {
        trip,
        participant: aParticipant({ id: 'P1', documents: [] }),
        flight,
      }),
    ).toEqual([]);
  });
});
