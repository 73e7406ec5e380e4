import { stringify } from 'yaml';
import { describe, expect, it } from 'vitest';
import {
  aBooking,
  aFlight,
  aParticipant,
  aTrip,
  aUsDomesticFlight,
} from '../../../test/support/builders.js';
import { shippedContracts, shippedLintContext } from '../../../test/support/shipped-catalog.js';
import { parseContract } from '../contracts/parse-contract.js';
import { formatProblem, lintContracts } from '../contracts/lint-contracts.js';
import { enumerateUnits } from './project-unit.js';

const context = shippedLintContext();
const { contract } = shippedContracts(context);

/** CDG→JFK, JFK→LAX (US domestic), LAX→CDG. */
const trip = aTrip({
  flights: [
    aFlight('F1', 'FRA', 'USA'),
    aUsDomesticFlight('F2'),
    aFlight('F3', 'USA', 'FRA', {
      departure: { airport: 'LAX', country: 'USA', scheduledAt: '2027-07-11T18:30:00-07:00' },
      arrival: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-12T14:30:00+02:00' },
    }),
  ],
});
const bookings = [aBooking('B1', [aParticipant({ id: 'P1' })])];
const flightsOf = (id: string): string[] =>
  enumerateUnits(trip, bookings, contract(id)).map((unit) => unit.key);

describe('shipped flight contracts: which flights they cover', () => {
  it('should give CBP APIS no manifest of a US domestic flight', () => {
    expect(flightsOf('us-apis')).toEqual(['flight:F1', 'flight:F3']);
  });

  it('should give TSA Secure Flight the US domestic flight too', () => {
    expect(flightsOf('secure-flight')).toEqual(['flight:F1', 'flight:F2', 'flight:F3']);
  });

  it('should give CARICOM APIS flights between member states but not within one', () => {
    const caribbean = aTrip({
      flights: [
        aFlight('F1', 'FRA', 'BRB'),
        aFlight('F2', 'BRB', 'JAM'),
        aFlight('F3', 'JAM', 'JAM'),
        aFlight('F4', 'JAM', 'FRA'),
      ],
    });
    expect(
      enumerateUnits(caribbean, bookings, contract('caricom-apis')).map((unit) => unit.key),
    ).toEqual(['flight:F1', 'flight:F2', 'flight:F4']);
  });
});

describe('scope.domesticFlights', () => {
  const base = {
    id: 'test-flights',
    version: 1,
    recipient: { id: 'from-unit', name: 'Airline', category: 'airline', country: 'from-unit' },
    purpose: 'Testing the flight scope.',
    legalBasis: 'contract',
    transfer: { safeguard: 'art49-contract' },
    unit: 'flight',
    fields: ['participant.surname'],
    format: { type: 'csv' },
    transport: { type: 'outbox' },
    schedule: { send: [{ before: 'flight.departure', offset: 'P1D' }], resend: 'never' },
    retention: 'P30D after flight.departure',
  };

  it('should read include and exclude beside flightsTouching', () => {
    for (const domesticFlights of ['include', 'exclude'] as const) {
      const parsed = parseContract(
        stringify({ ...base, scope: { flightsTouching: ['USA'], domesticFlights } }),
      );
      expect(parsed.ok && parsed.value.scope).toEqual({
        roles: ['participant', 'leader', 'staff'],
        flightsTouching: ['USA'],
        domesticFlights,
      });
    }
  });

  it('should refuse domesticFlights without flightsTouching, naming the key', () => {
    const linted = lintContracts(
      [
        {
          file: 'contracts/test.yaml',
          text: stringify({ ...base, scope: { domesticFlights: 'include' } }),
        },
      ],
      context,
    );
    expect(linted.problems.map(formatProblem)).toEqual([
      'contracts/test.yaml: scope.domesticFlights: only with flightsTouching',
    ]);
  });
});
