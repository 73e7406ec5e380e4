import { readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { aBooking, aFlight, aParticipant, aTrip } from '../../../test/support/builders.js';
import {
  readRepoFile,
  repoPath,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import { lintContracts } from '../contracts/lint-contracts.js';
import type { Booking } from '../model/booking.js';
import type { Trip } from '../model/trip.js';
import {
  decideRelease,
  normalizePolicyNumber,
  type PolicyHolder,
  type ReleaseDecision,
} from './emergency-release.js';

const context = shippedLintContext();
const linted = lintContracts(
  readdirSync(repoPath('contracts')).map((name) => ({
    file: name,
    text: readRepoFile(`contracts/${name}`),
  })),
  context,
).contracts;
const contract = linted.get('insurer-emergency')?.contract;
if (contract === undefined) throw new Error('the shipped emergency contract');

const A = 'INS-A';
const insured = (id: string, insurerId = A, more = {}) =>
  aParticipant({ id, insurance: { insurerId, policyNumber: `POL-${id}` }, ...more });
const holder = (participantId: string, reference: string, insurerId = A, tripId = 'T-1') => ({
  participantId,
  bookingReference: reference,
  tripId,
  insurerId,
});

/** The trip runs 2027-07-01 to 2027-07-12: the window is 2027-06-30T00:00Z to 2027-07-14T00:00Z. */
function decide(
  now: string,
  holders: readonly PolicyHolder[],
  bookings: readonly Booking[] = [aBooking('B1', [insured('P1'), insured('P2')])],
  trip: Trip = aTrip(),
): ReleaseDecision {
  return decideRelease({
    insurerId: A,
    holders,
    trips: new Map([[trip.id, { trip, bookings }]]),
    contract: contract!,
    catalogue: context.catalogue,
    formats: context.formats,
    now,
    reference: 'REF1',
  });
}

describe('normalizePolicyNumber', () => {
  it('should ignore case, spaces and Unicode compatibility forms', () => {
    expect(normalizePolicyNumber(' mv-2027 004411 ')).toBe('MV-2027004411');
    expect(normalizePolicyNumber('ＭＶ-１')).toBe('MV-1');
  });
});

describe('decideRelease', () => {
  it('should release the calling insurer’s participant, that participant only, inside the window', () => {
    const decision = decide('2027-07-05T12:00:00Z', [holder('P1', 'B1')]);
    expect(decision.kind).toBe('released');
    if (decision.kind !== 'released') return;
    expect(decision.unit.participantIds).toEqual(['P1']);
    const body = JSON.parse(decision.unit.files[0]?.content ?? '{}') as {
      participants: Record<string, unknown>[];
    };
    expect(body.participants).toHaveLength(1);
    expect(body.participants[0]?.['participant.insurance.policyNumber']).toBe('POL-P1');
    expect(JSON.stringify(body)).not.toContain('P2');
  });

  it.each([
    ['2027-06-29T23:59:59.999Z', 'outside-window'],
    ['2027-06-30T00:00:00.000Z', 'released'],
    ['2027-07-14T00:00:00.000Z', 'released'],
    ['2027-07-14T00:00:00.001Z', 'outside-window'],
  ])(
    'should hold the window from a day before the start to a day after the end (%s)',
    (now, kind) => {
      const decision = decide(now, [holder('P1', 'B1')]);
      expect(decision.kind === 'released' ? 'released' : decision.reason).toBe(kind);
    },
  );

  it('should open the window a day before the group leaves when its flight leaves before startDate', () => {
    // Paris → Sydney dated by its days in Australia (startDate 2 July): the group leaves CDG
    // on 30 June at 19:00Z and is in transit on 1 July — the window must already be open.
    const sydney = aTrip({
      startDate: '2027-07-02',
      flights: [
        aFlight('F1', 'FRA', 'AUS', {
          departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-06-30T21:00:00+02:00' },
          arrival: { airport: 'SYD', country: 'AUS', scheduledAt: '2027-07-02T06:00:00+10:00' },
        }),
      ],
      stays: [],
    });
    const bookings = [aBooking('B1', [insured('P1')])];
    const kindAt = (now: string) => {
      const decision = decide(now, [holder('P1', 'B1')], bookings, sydney);
      return decision.kind === 'released' ? 'released' : decision.reason;
    };
    expect(kindAt('2027-06-30T23:00:00Z')).toBe('released');
    expect(kindAt('2027-06-29T19:00:00Z')).toBe('released');
    expect(kindAt('2027-06-29T18:59:59.999Z')).toBe('outside-window');
  });

  it('should tell apart, for the register only, every reason to refuse', () => {
    const now = '2027-07-05T12:00:00Z';
    const reasonOf = (d: ReleaseDecision) => (d.kind === 'refused' ? d.reason : d.kind);
    expect(reasonOf(decide(now, []))).toBe('unknown-policy');
    expect(reasonOf(decide(now, [holder('P1', 'B1', 'INS-B')]))).toBe('other-insurer');
    const cancelled = [aBooking('B1', [insured('P1')], { status: 'cancelled' })];
    expect(reasonOf(decide(now, [holder('P1', 'B1')], cancelled))).toBe('not-confirmed');
    const tripCancelled = aTrip({ status: 'cancelled' });
    expect(reasonOf(decide(now, [holder('P1', 'B1')], undefined, tripCancelled))).toBe(
      'not-confirmed',
    );
    // The index is behind the data (the booking no longer names them): nothing is released.
    expect(reasonOf(decide(now, [holder('P9', 'B1')]))).toBe('not-in-scope');
    // The same number for two participants of this insurer: which one is meant is unknown.
    expect(reasonOf(decide(now, [holder('P1', 'B1'), holder('P2', 'B1')]))).toBe(
      'ambiguous-policy',
    );
  });

  it('should release the one holder still eligible when the number also names a cancelled booking', () => {
    const bookings = [
      aBooking('B1', [insured('P1')]),
      aBooking('B2', [insured('P2')], { status: 'cancelled' }),
    ];
    const decision = decide(
      '2027-07-05T12:00:00Z',
      [holder('P1', 'B1'), holder('P2', 'B2')],
      bookings,
    );
    expect(decision.kind === 'released' && decision.holder.participantId).toBe('P1');
  });

  it('should release, of the insured sharing a policy number, the one born on the date the agent gives', () => {
    const family = [
      aBooking('B1', [
        insured('P1', A, { dateOfBirth: '2011-03-04' }),
        insured('P2', A, { dateOfBirth: '2013-09-10' }),
      ]),
    ];
    const both = [holder('P1', 'B1'), holder('P2', 'B1')];
    const decideFor = (dateOfBirth?: string) =>
      decideRelease({
        insurerId: A,
        holders: both,
        trips: new Map([[aTrip().id, { trip: aTrip(), bookings: family }]]),
        contract,
        catalogue: context.catalogue,
        formats: context.formats,
        now: '2027-07-05T12:00:00Z',
        reference: 'REF1',
        ...(dateOfBirth === undefined ? {} : { dateOfBirth }),
      });
    expect(decideFor()).toMatchObject({ kind: 'refused', reason: 'ambiguous-policy' });
    const second = decideFor('2013-09-10');
    expect(second.kind === 'released' && second.unit.participantIds).toEqual(['P2']);
    expect(decideFor('2012-01-01')).toMatchObject({
      kind: 'refused',
      reason: 'date-of-birth-mismatch',
      subjects: ['P1', 'P2'],
    });
  });

  it('should name the participants asked about in a refusal, and no one for an unknown policy', () => {
    const other = decide('2027-07-05T12:00:00Z', [holder('P1', 'B1', 'INS-B')]);
    expect(other).toMatchObject({ kind: 'refused', subjects: ['P1'] });
    expect(decide('2027-07-05T12:00:00Z', [])).toMatchObject({ kind: 'refused', subjects: [] });
  });

  it('should refuse for incomplete data, naming the field and rule but no value', () => {
    const noBirth = [aBooking('B1', [insured('P1', A, { dateOfBirth: undefined as never })])];
    const decision = decide('2027-07-05T12:00:00Z', [holder('P1', 'B1')], noBirth);
    expect(decision).toMatchObject({ kind: 'refused', reason: 'data-incomplete' });
    if (decision.kind !== 'refused') return;
    expect(decision.errors?.map((e) => e.field)).toContain('participant.dateOfBirth');
  });
});
