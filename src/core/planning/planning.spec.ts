import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { aBooking, aFlight, aParticipant, aStay, aTrip } from '../../../test/support/builders.js';
import {
  readRepoFile,
  repoPath,
  shippedLintContext,
} from '../../../test/support/shipped-catalog.js';
import type { Contract } from '../contracts/contract.js';
import { lintContracts } from '../contracts/lint-contracts.js';
import { durationMs } from '../contracts/schedule-moments.js';
import { momentTime, planTrip, tripEndTime, type PlannedSend } from './plan-trip.js';
import { reconcilePlan, type TransmissionState } from './reconcile-plan.js';

const context = shippedLintContext();
const contracts: Contract[] = [
  ...lintContracts(
    readdirSync(repoPath('contracts')).map((name) => ({
      file: name,
      text: readRepoFile(`contracts/${name}`),
    })),
    context,
  ).contracts.values(),
].map((entry) => entry.contract);
const NOW = Date.parse('2027-05-01T08:00:00Z');
const DAY = 86_400_000;

const plan = (
  trip = aTrip(),
  bookings = [aBooking('B1', [aParticipant({ id: 'P1', nameOnDocument: undefined } as never)])],
  now = NOW,
) => planTrip({ trip, bookings, contracts, catalogue: context.catalogue, now });

describe('planTrip', () => {
  it('should read exact ISO durations', () => {
    expect(durationMs('PT72H')).toBe(72 * 3600_000);
    expect(durationMs('P7D')).toBe(7 * 86_400_000);
    expect(durationMs('P1W2DT3H4M5S')).toBe(((9 * 24 + 3) * 60 + 4) * 60_000 + 5000);
    expect(() => durationMs('P1Y')).toThrow(RangeError);
  });

  it('should plan each contract, unit and moment with due times from the schedules', () => {
    const sends = plan();
    const of = (id: string) =>
      sends
        .filter((s) => s.contractId === id)
        .map((s) => [s.unit.key, s.moment, s.dueAt, s.deadline]);
    // Flight F1 leaves CDG 2027-07-01T10:30+02:00 = 08:30Z.
    expect(of('secure-flight')).toEqual([
      ['flight:F1', 0, '2027-06-28T08:30:00.000Z', '2027-07-01T08:30:00.000Z'],
    ]);
    expect(of('us-apis')).toEqual([
      ['flight:F1', 0, '2027-06-29T08:30:00.000Z', '2027-07-01T06:30:00.000Z'],
    ]);
    expect(of('airline-group-list')).toEqual([
      ['flight:F1', 0, '2027-06-10T08:30:00.000Z', '2027-07-01T08:30:00.000Z'],
    ]);
    expect(of('hotel-rooming-list')).toEqual([
      ['stay:S1', 0, '2027-06-24T00:00:00.000Z', '2027-07-01T00:00:00.000Z'],
    ]);
    // At booking confirmation (now), and the day before departure; until the trip's end.
    expect(of('insurer-enrollment')).toEqual([]);
    expect(sends.some((s) => s.contractId === 'insurer-emergency')).toBe(false);
  });

  it('should plan insurer enrolment at confirmation and the day before, per insurer', () => {
    const bookings = [
      aBooking('B1', [
        aParticipant({ id: 'P1', insurance: { insurerId: 'INS-A', policyNumber: 'POL-1' } }),
      ]),
    ];
    const sends = plan(aTrip(), bookings).filter((s) => s.contractId === 'insurer-enrollment');
    expect(sends.map((s) => [s.unit.key, s.recipientId, s.moment, s.dueAt, s.deadline])).toEqual([
      [
        'trip:T-1:insurer:INS-A',
        'INS-A',
        0,
        new Date(NOW).toISOString(),
        '2027-07-13T00:00:00.000Z',
      ],
      [
        'trip:T-1:insurer:INS-A',
        'INS-A',
        1,
        '2027-06-30T00:00:00.000Z',
        '2027-07-13T00:00:00.000Z',
      ],
    ]);
  });

  it('should move the due times with the flight and change the digest with the data', () => {
    const before = plan().find((s) => s.contractId === 'us-apis')!;
    const moved = aTrip({
      flights: [
        aFlight('F1', 'FRA', 'USA', {
          departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-07-02T10:30:00+02:00' },
        }),
      ],
    });
    const after = plan(moved).find((s) => s.contractId === 'us-apis')!;
    expect(Date.parse(after.dueAt) - Date.parse(before.dueAt)).toBe(86_400_000);
    const renamed = plan(aTrip(), [
      aBooking('B1', [aParticipant({ id: 'P1', surname: 'Martin' })]),
    ]).find((s) => s.contractId === 'us-apis')!;
    expect(renamed.digest).not.toBe(before.digest);
    expect(plan().find((s) => s.contractId === 'us-apis')!.digest).toBe(before.digest);
  });

  it('should end a trip at its last arrival when its return flight lands after its endDate', () => {
    const trip = aTrip();
    const unit = { kind: 'participant', id: 'P1', key: 'participant:P1' } as const;
    const windowEnd = { event: 'trip.end', direction: 'after', offset: 'P1D' } as const;
    const endOfLastDay = Date.parse(`${trip.endDate}T00:00:00Z`) + DAY;
    expect(tripEndTime(trip)).toBe(endOfLastDay);
    const late = {
      ...trip,
      flights: trip.flights.map((flight, index) =>
        index === trip.flights.length - 1
          ? { ...flight, arrival: { ...flight.arrival, scheduledAt: '2027-07-13T23:00:00Z' } }
          : flight,
      ),
    };
    expect(tripEndTime(late)).toBe(Date.parse('2027-07-13T23:00:00Z'));
    // The emergency window (one day after the trip ends) runs from the landing.
    expect(momentTime(windowEnd, late, unit, NOW)).toBe(Date.parse('2027-07-14T23:00:00Z'));
  });

  it('should end a stay at the end of its check-out day, the last day of the stay', () => {
    // The group is at the hotel on its check-out day (the current stay counts it), and a
    // trip that ends with that stay ends at the end of that day: so does the stay.
    const trip = aTrip({
      flights: [],
      stays: [aStay('S1', 'FRA', { checkIn: '2027-07-01', checkOut: '2027-07-14' })],
    });
    const unit = { kind: 'stay', id: 'S1', key: 'stay:S1' } as const;
    const checkOut = { event: 'stay.checkOut', direction: 'at', offset: 'PT0S' } as const;
    const checkIn = { event: 'stay.checkIn', direction: 'at', offset: 'PT0S' } as const;
    expect(momentTime(checkOut, trip, unit, NOW)).toBe(Date.parse('2027-07-15T00:00:00Z'));
    expect(momentTime(checkOut, trip, unit, NOW)).toBe(tripEndTime(trip));
    // Check-in is still the start of its day.
    expect(momentTime(checkIn, trip, unit, NOW)).toBe(Date.parse('2027-07-01T00:00:00Z'));
  });

  it('should start a trip at its first departure when its outbound flight leaves before its startDate', () => {
    // Paris → Sydney, the trip dated by its days in Australia: the group leaves CDG on the
    // evening of 30 June (19:00Z) and lands on 2 July, its startDate.
    const sydney = aTrip({
      startDate: '2027-07-02',
      endDate: '2027-07-12',
      flights: [
        aFlight('F1', 'FRA', 'AUS', {
          departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-06-30T21:00:00+02:00' },
          arrival: { airport: 'SYD', country: 'AUS', scheduledAt: '2027-07-02T06:00:00+10:00' },
        }),
      ],
      stays: [aStay('S1', 'AUS', { checkIn: '2027-07-02', checkOut: '2027-07-11' })],
    });
    const unit = { kind: 'participant', id: 'P1', key: 'participant:P1' } as const;
    const windowStart = { event: 'trip.start', direction: 'before', offset: 'P1D' } as const;
    // One day before the group leaves, not one day before the UTC midnight of its startDate
    // (1 July, 00:00Z) — which came five hours after it had left.
    expect(momentTime(windowStart, sydney, unit, NOW)).toBe(Date.parse('2027-06-29T19:00:00Z'));
    const insured = [
      aBooking('B1', [
        aParticipant({ id: 'P1', insurance: { insurerId: 'INS-A', policyNumber: 'POL-1' } }),
      ]),
    ];
    // The insurer's list "the day before departure" reaches it before the departure.
    const dayBefore = plan(sydney, insured).find(
      (s) => s.contractId === 'insurer-enrollment' && s.moment === 1,
    );
    expect(dayBefore?.dueAt).toBe('2027-06-29T19:00:00.000Z');
    // A stay checking in before startDate starts the trip on that day.
    const early = aTrip({
      flights: [],
      stays: [aStay('S1', 'FRA', { checkIn: '2027-06-28', checkOut: '2027-07-02' })],
    });
    expect(momentTime(windowStart, early, unit, NOW)).toBe(Date.parse('2027-06-27T00:00:00Z'));
    // Otherwise the start of startDate (UTC), as before: the sample's flight leaves on it.
    expect(momentTime(windowStart, aTrip(), unit, NOW)).toBe(Date.parse('2027-06-30T00:00:00Z'));
  });

  it('should count schedule offsets in elapsed time across a daylight-saving change', () => {
    // Paris leaves summer time on 31 October 2027 at 03:00 (+02:00 → +01:00): a departure at
    // 10:30 that morning is 09:30Z, and 72 h before it is 11:30 on the 28th in Paris —
    // Secure Flight's 72 hours are elapsed hours, not the same local clock three days before.
    const autumn = aTrip({
      startDate: '2027-10-31',
      endDate: '2027-11-07',
      flights: [
        aFlight('F1', 'FRA', 'USA', {
          departure: { airport: 'CDG', country: 'FRA', scheduledAt: '2027-10-31T10:30:00+01:00' },
          arrival: { airport: 'JFK', country: 'USA', scheduledAt: '2027-10-31T12:45:00-04:00' },
        }),
      ],
      stays: [aStay('S1', 'USA', { checkIn: '2027-10-31', checkOut: '2027-11-06' })],
    });
    const sends = plan(autumn);
    const dueOf = (id: string) => sends.find((s) => s.contractId === id)?.dueAt;
    expect(dueOf('secure-flight')).toBe('2027-10-28T09:30:00.000Z');
    expect(dueOf('us-apis')).toBe('2027-10-29T09:30:00.000Z');
    // Days are 24 hours from a date's 00:00 UTC: the rooming list 7 × 24 h before check-in.
    expect(dueOf('hotel-rooming-list')).toBe('2027-10-24T00:00:00.000Z');
  });

  it('should plan a send scheduled after its event at that moment, before a later until', () => {
    const after = (until: string) =>
      lintContracts(
        [
          {
            file: 'airline-group-list.yaml',
            text: readRepoFile('contracts/airline-group-list.yaml').replace(
              '- before: flight.departure\n      offset: P21D\n',
              `- after: flight.departure\n      offset: PT6H\n${until}`,
            ),
          },
        ],
        context,
      );
    // Without `until`, its last moment is the departure: it could never leave in time.
    expect(after('').problems.map((p) => `${p.path}: ${p.rule}`)).toEqual([
      "schedule.send[0]: comes at or after schedule.until (without one, the first send's event), so it could never be sent in time",
    ]);
    const linted = after('  until:\n    after: flight.departure\n    offset: P1D\n');
    expect(linted.problems).toEqual([]);
    const sends = planTrip({
      trip: aTrip(),
      bookings: [aBooking('B1', [aParticipant({ id: 'P1' })])],
      contracts: [[...linted.contracts.values()][0]!.contract],
      catalogue: context.catalogue,
      now: NOW,
    });
    const f1 = sends.find((s) => s.unit.key === 'flight:F1')!;
    const departure = Date.parse(aTrip().flights[0]!.departure.scheduledAt);
    expect(Date.parse(f1.dueAt)).toBe(departure + 6 * 3600_000);
    expect(Date.parse(f1.deadline)).toBe(departure + DAY);
  });

  it('should plan nothing for a cancelled trip or a unit without participants', () => {
    expect(plan(aTrip({ status: 'cancelled' }))).toEqual([]);
    expect(
      plan(aTrip(), [aBooking('B1', [aParticipant({ id: 'P1' })], { status: 'cancelled' })]),
    ).toEqual([]);
    const stays = aTrip({ stays: [aStay('S1', 'USA'), aStay('S2', 'USA')] });
    expect(
      plan(stays, [aBooking('B1', [aParticipant({ id: 'P1', stayIds: ['S2'] })])])
        .filter((s) => s.contractId === 'hotel-rooming-list')
        .map((s) => s.unit.key),
    ).toEqual(['stay:S2']);
  });
});

describe('reconcilePlan', () => {
  const resend = new Map(
    contracts.map((c) => [
      c.id,
      c.schedule.kind === 'planned' && c.schedule.resend === 'on-change',
    ]),
  );
  const send = plan().find((s) => s.contractId === 'us-apis')!;
  const row = (overrides: Partial<TransmissionState> = {}): TransmissionState => ({
    id: 'tx-1',
    contractId: send.contractId,
    contractVersion: send.contractVersion,
    unitKey: send.unit.key,
    recipientId: send.recipientId,
    kind: 'scheduled',
    moment: 0,
    dueAt: send.dueAt,
    deadline: send.deadline,
    status: 'planned',
    digest: send.digest,
    ...overrides,
  });
  const changesFor = (existing: TransmissionState[], planned: PlannedSend[] = [send], now = NOW) =>
    reconcilePlan(existing, planned, resend, now);

  it('should insert what is not planned yet, and nothing when all is in place', () => {
    expect(changesFor([])).toEqual([
      { type: 'insert', send, kind: 'scheduled', dueAt: send.dueAt, status: 'planned' },
    ]);
    expect(changesFor([row()])).toEqual([]);
  });

  it('should insert as missed a send whose last moment has passed', () => {
    expect(changesFor([], [send], Date.parse(send.deadline) + 1)).toMatchObject([
      { type: 'insert', status: 'missed' },
    ]);
  });

  it('should move a pending send with its flight, but not one already delivered', () => {
    const later = {
      ...send,
      dueAt: '2027-06-30T08:30:00.000Z',
      deadline: '2027-07-02T06:30:00.000Z',
    };
    expect(changesFor([row()], [later])).toEqual([
      {
        type: 'update',
        id: 'tx-1',
        dueAt: later.dueAt,
        deadline: later.deadline,
        digest: send.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    expect(
      changesFor(
        [
          row({
            status: 'delivered',
            deliveredDigest: send.digest,
            deliveredAt: '2027-06-29T08:31:00Z',
          }),
        ],
        [later],
      ),
    ).toEqual([]);
  });

  it('should leave a send that is due already at its due time when it is due still', () => {
    const at = Date.parse(send.dueAt) + 60_000;
    const due = row({ dueAt: new Date(at - 30_000).toISOString() });
    // Planned again a moment later (a send at confirmation is due when planned): unchanged.
    expect(changesFor([due], [{ ...send, dueAt: new Date(at).toISOString() }], at)).toEqual([]);
    // Its data changed: the new digest, the same due time.
    expect(
      changesFor(
        [due],
        [{ ...send, dueAt: new Date(at).toISOString(), digest: 'f'.repeat(64) }],
        at,
      ),
    ).toMatchObject([{ type: 'update', dueAt: due.dueAt, digest: 'f'.repeat(64) }]);
  });

  it('should leave a send an operator sent now due, pending or queued, when its data changes or its flight moves', () => {
    // Ten days before its scheduled moment, an operator asked for it now.
    const at = Date.parse(send.dueAt) - 10 * 86_400_000;
    const sentAt = new Date(at - 5_000).toISOString();
    const changed = { ...send, digest: 'f'.repeat(64) };
    const later = {
      ...changed,
      dueAt: new Date(Date.parse(send.dueAt) + 86_400_000).toISOString(),
    };
    for (const status of ['planned', 'held'] as const) {
      const sentNow = row({ status, dueAt: sentAt, sentNow: true });
      expect(changesFor([sentNow], [changed], at)).toEqual([
        {
          type: 'update',
          id: 'tx-1',
          dueAt: sentAt,
          deadline: send.deadline,
          digest: changed.digest,
          contractVersion: send.contractVersion,
        },
      ]);
      expect(changesFor([sentNow], [later], at)).toMatchObject([{ type: 'update', dueAt: sentAt }]);
      // Not sent now by an operator, the same row follows its schedule.
      expect(changesFor([row({ status, dueAt: sentAt })], [changed], at)).toMatchObject([
        { type: 'update', dueAt: send.dueAt },
      ]);
    }
    // Queued (claimed, not yet leased): it stays in the queue, with the new digest.
    const queued = row({ status: 'queued', dueAt: sentAt, sentNow: true });
    expect(changesFor([queued], [later], at)).toEqual([
      {
        type: 'update',
        id: 'tx-1',
        dueAt: sentAt,
        deadline: send.deadline,
        digest: changed.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    expect(changesFor([row({ status: 'queued', dueAt: sentAt })], [later], at)).toMatchObject([
      { type: 'replan', from: 'queued', dueAt: later.dueAt },
    ]);
    // Its unit gone, it is cancelled all the same.
    expect(changesFor([row({ dueAt: sentAt, sentNow: true })], [], at)).toEqual([
      { type: 'cancel', id: 'tx-1', reason: 'unit-gone' },
    ]);
    // Sent now just after the moment of a re-planning under way (which then reads it again):
    // still the operator's, due when they asked, not moved back to its schedule.
    const justAfter = new Date(at + 20).toISOString();
    for (const status of ['planned', 'queued'] as const) {
      expect(
        changesFor([row({ status, dueAt: justAfter, sentNow: true })], [later], at),
      ).toMatchObject([{ type: 'update', dueAt: justAfter }]);
    }
  });

  it('should plan a failed send again once its data changes, not before, and not past its last moment', () => {
    const fixed = { ...send, digest: 'f'.repeat(64) };
    const failed = row({ status: 'failed', dueAt: '2027-04-01T00:00:00.000Z' });
    expect(changesFor([failed], [send])).toEqual([]);
    expect(changesFor([failed], [fixed])).toEqual([
      {
        type: 'replan',
        from: 'failed',
        id: 'tx-1',
        dueAt: send.dueAt,
        deadline: send.deadline,
        digest: fixed.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    // Due already: now.
    const late = Date.parse(send.dueAt) + 60_000;
    expect(changesFor([failed], [fixed], late)).toMatchObject([
      { type: 'replan', from: 'failed', dueAt: new Date(late).toISOString() },
    ]);
    expect(changesFor([failed], [fixed], Date.parse(send.deadline) + 1)).toEqual([]);
  });

  it('should plan again a send cancelled because its unit was gone once the unit is back, not one cancelled as unchanged', () => {
    const gone = row({ status: 'cancelled', cancelReason: 'unit-gone' });
    expect(changesFor([gone])).toEqual([
      {
        type: 'replan',
        from: 'cancelled',
        cancelled: 'unit-gone',
        id: 'tx-1',
        dueAt: send.dueAt,
        deadline: send.deadline,
        digest: send.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    // Due already: now; past its last moment: left as it is.
    const late = Date.parse(send.dueAt) + 60_000;
    expect(changesFor([gone], [send], late)).toMatchObject([
      { type: 'replan', from: 'cancelled', dueAt: new Date(late).toISOString() },
    ]);
    expect(changesFor([gone], [send], Date.parse(send.deadline) + 1)).toEqual([]);
    expect(changesFor([row({ status: 'cancelled', cancelReason: 'unchanged' })])).toEqual([]);
    expect(changesFor([row({ status: 'cancelled' })])).toEqual([]);
  });

  it('should plan again a missed send whose last moment moved ahead of now (a delayed flight), not before', () => {
    const missed = row({ status: 'missed' });
    const after = Date.parse(send.deadline) + 60_000;
    expect(changesFor([missed], [send], after)).toEqual([]);
    const delayed = {
      ...send,
      dueAt: new Date(after - 3600_000).toISOString(),
      deadline: new Date(after + 86_400_000).toISOString(),
    };
    expect(changesFor([missed], [delayed], after)).toEqual([
      {
        type: 'replan',
        from: 'missed',
        id: 'tx-1',
        dueAt: new Date(after).toISOString(),
        deadline: delayed.deadline,
        digest: send.digest,
        contractVersion: send.contractVersion,
      },
    ]);
  });

  it('should give a queued send its new last moment, and send it back to wait when its due time moved later', () => {
    const queued = row({ status: 'queued' });
    const at = Date.parse(send.dueAt) + 60_000;
    // The flight moved earlier: the last moment with it (the send must not leave late).
    const earlier = {
      ...send,
      dueAt: new Date(at - 86_400_000).toISOString(),
      deadline: new Date(at - 3600_000).toISOString(),
    };
    expect(changesFor([queued], [earlier], at)).toEqual([
      {
        type: 'update',
        id: 'tx-1',
        dueAt: send.dueAt,
        deadline: earlier.deadline,
        digest: send.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    // The flight moved later: it waits for its new due time.
    const later = {
      ...send,
      dueAt: new Date(at + 86_400_000).toISOString(),
      deadline: new Date(at + 3 * 86_400_000).toISOString(),
    };
    expect(changesFor([queued], [later], at)).toEqual([
      {
        type: 'replan',
        from: 'queued',
        id: 'tx-1',
        dueAt: later.dueAt,
        deadline: later.deadline,
        digest: send.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    expect(changesFor([queued], [send], at)).toEqual([]);
  });

  it('should give a send being sent the new digest, and plan its resend only once it is delivered', () => {
    const changed = { ...send, digest: 'f'.repeat(64) };
    expect(changesFor([row({ status: 'sending' })], [changed])).toEqual([
      {
        type: 'update',
        id: 'tx-1',
        dueAt: send.dueAt,
        deadline: send.deadline,
        digest: changed.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    // Delivered with the digest of before (the plan's is the new one): a resend.
    const at = Date.parse(send.dueAt) + 60_000;
    const delivered = row({
      status: 'delivered',
      digest: changed.digest,
      deliveredDigest: send.digest,
      deliveredAt: new Date(at).toISOString(),
    });
    expect(changesFor([delivered], [changed], at)).toMatchObject([
      { type: 'insert', kind: 'resend', status: 'planned' },
    ]);
  });

  it('should cancel open sends whose unit is gone', () => {
    expect(
      changesFor(
        [
          row(),
          row({ id: 'tx-2', status: 'queued', moment: 0, kind: 'resend' }),
          row({ id: 'tx-3', status: 'delivered' }),
        ],
        [],
      ),
    ).toEqual([
      { type: 'cancel', id: 'tx-1', reason: 'unit-gone' },
      { type: 'cancel', id: 'tx-2', reason: 'unit-gone' },
    ]);
  });

  it('should plan a resend after a delivery only when the data changed, and cancel it when it changes back', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const changed = { ...send, digest: 'f'.repeat(64) };
    const at = Date.parse('2027-06-30T00:00:00Z');
    expect(changesFor([delivered], [send], at)).toEqual([]);
    expect(changesFor([delivered], [changed], at)).toEqual([
      {
        type: 'insert',
        send: { ...changed, moment: 0, dueAt: new Date(at).toISOString() },
        kind: 'resend',
        dueAt: new Date(at).toISOString(),
        status: 'planned',
      },
    ]);
    const pendingResend = row({
      id: 'tx-r',
      kind: 'resend',
      digest: changed.digest,
      dueAt: new Date(at).toISOString(),
    });
    expect(changesFor([delivered, pendingResend], [send], at)).toEqual([
      { type: 'cancel', id: 'tx-r', reason: 'unchanged' },
    ]);
    // Past the last moment nothing is planned: the change is not sent late. The delivery is
    // marked outdated instead (raised: the recipient keeps the data of before, Art. 19), once.
    const late = Date.parse(send.deadline) + 1;
    const mark = {
      type: 'outdated',
      id: delivered.id,
      contractId: delivered.contractId,
      recipientId: delivered.recipientId,
      digest: changed.digest,
      reason: 'past-last-moment',
    };
    expect(changesFor([delivered], [changed], late)).toEqual([mark]);
    const marked = { ...delivered, outdatedDigest: changed.digest };
    expect(changesFor([marked], [changed], late)).toEqual([]);
    // The data back to what was delivered: unmarked.
    expect(changesFor([marked], [send], late)).toEqual([
      {
        type: 'outdated',
        id: delivered.id,
        contractId: delivered.contractId,
        recipientId: delivered.recipientId,
        digest: null,
      },
    ]);
  });

  it('should mark a delivery outdated when the data changes and its contract never resends, unless a send is still to come', () => {
    const never = new Map([...resend, ['us-apis', false]]);
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const changed = { ...send, digest: 'f'.repeat(64) };
    const at = Date.parse('2027-06-30T00:00:00Z');
    expect(reconcilePlan([delivered], [changed], never, at)).toEqual([
      {
        type: 'outdated',
        id: delivered.id,
        contractId: delivered.contractId,
        recipientId: delivered.recipientId,
        digest: changed.digest,
        reason: 'resend-never',
      },
    ]);
    // A scheduled moment still to come sends the new data: nothing to raise.
    const later = row({ id: 'tx-later', moment: 1, status: 'planned', digest: changed.digest });
    expect(
      reconcilePlan([delivered, later], [changed, { ...changed, moment: 1 }], never, at).filter(
        (c) => c.type === 'outdated',
      ),
    ).toEqual([]);
  });

  it('should give an open resend the new last moment when its flight moves earlier, pending, held or queued', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const changed = { ...send, digest: 'f'.repeat(64) };
    const at = Date.parse('2027-06-30T00:00:00Z');
    // The flight moved two days earlier: its last moment is now past.
    const earlier = {
      ...changed,
      dueAt: new Date(Date.parse(send.dueAt) - 2 * DAY).toISOString(),
      deadline: new Date(Date.parse(send.deadline) - 2 * DAY).toISOString(),
    };
    expect(Date.parse(earlier.deadline)).toBeLessThan(at);
    for (const status of ['planned', 'held', 'queued'] as const) {
      const resend = row({
        id: 'tx-r',
        kind: 'resend',
        status,
        digest: changed.digest,
        dueAt: new Date(at - 60_000).toISOString(),
      });
      // Otherwise it keeps the last moment of before: released, or leased, it leaves late.
      expect(changesFor([delivered, resend], [earlier], at)).toEqual([
        {
          type: 'update',
          id: 'tx-r',
          dueAt: resend.dueAt,
          deadline: earlier.deadline,
          digest: changed.digest,
          contractVersion: send.contractVersion,
        },
      ]);
    }
  });

  it('should give a resend being sent the new digest, so that its delivery of the data of before is followed by another', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const at = Date.parse('2027-06-30T00:00:00Z');
    const sending = row({
      id: 'tx-r',
      kind: 'resend',
      status: 'sending',
      digest: 'e'.repeat(64),
      dueAt: new Date(at - 60_000).toISOString(),
    });
    // The data changed again while the resend was under way.
    for (const digest of ['f'.repeat(64), send.digest]) {
      expect(changesFor([delivered, sending], [{ ...send, digest }], at)).toEqual([
        {
          type: 'update',
          id: 'tx-r',
          dueAt: sending.dueAt,
          deadline: send.deadline,
          digest,
          contractVersion: send.contractVersion,
        },
      ]);
    }
  });

  it('should not plan a resend when another send is still to go for the unit', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const second = { ...send, moment: 1, digest: 'f'.repeat(64) };
    const changed = { ...send, digest: 'f'.repeat(64) };
    expect(
      changesFor([delivered, row({ id: 'tx-2', moment: 1 })], [changed, second]).filter(
        (c) => c.type === 'insert',
      ),
    ).toEqual([]);
  });

  it('should not plan another resend of data a resend failed with, and plan it again once the data changes', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const changed = { ...send, digest: 'f'.repeat(64) };
    const at = Date.parse('2027-06-30T00:00:00Z');
    const failed = row({
      id: 'tx-r',
      kind: 'resend',
      status: 'failed',
      digest: changed.digest,
      dueAt: new Date(at - DAY).toISOString(),
    });
    // The same data (a change that does not reach the payload, the plan at start): it would
    // only fail again, and be raised again, at every re-planning of the trip.
    expect(changesFor([delivered, failed], [changed], at)).toEqual([]);
    // Fixed since: the failed resend is planned again, as a failed scheduled send is.
    const fixed = { ...send, digest: 'a'.repeat(64) };
    expect(changesFor([delivered, failed], [fixed], at)).toEqual([
      {
        type: 'replan',
        from: 'failed',
        id: 'tx-r',
        dueAt: new Date(at).toISOString(),
        deadline: send.deadline,
        digest: fixed.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    // A moment still to come after the delivery failed with the data as it is now: no resend.
    const later = row({ id: 'tx-2', moment: 1, status: 'failed', digest: changed.digest });
    expect(
      changesFor([delivered, later], [changed, { ...changed, moment: 1 }], at).filter(
        (c) => c.type === 'insert',
      ),
    ).toEqual([]);
  });

  it('should plan again a resend cancelled as its unit went, or missed, rather than another (an operator’s hold stays)', () => {
    const delivered = row({
      status: 'delivered',
      deliveredDigest: send.digest,
      deliveredAt: '2027-06-29T08:31:00Z',
    });
    const changed = { ...send, digest: 'f'.repeat(64) };
    const at = Date.parse('2027-06-30T00:00:00Z');
    const resendRow = (overrides: Partial<TransmissionState>) =>
      row({
        id: 'tx-r',
        kind: 'resend',
        digest: changed.digest,
        dueAt: new Date(at - DAY).toISOString(),
        ...overrides,
      });
    expect(
      changesFor(
        [delivered, resendRow({ status: 'cancelled', cancelReason: 'unit-gone' })],
        [changed],
        at,
      ),
    ).toEqual([
      {
        type: 'replan',
        from: 'cancelled',
        cancelled: 'unit-gone',
        id: 'tx-r',
        dueAt: new Date(at).toISOString(),
        deadline: send.deadline,
        digest: changed.digest,
        contractVersion: send.contractVersion,
      },
    ]);
    expect(changesFor([delivered, resendRow({ status: 'missed' })], [changed], at)).toMatchObject([
      { type: 'replan', from: 'missed', id: 'tx-r' },
    ]);
    // Cancelled as unchanged, or delivered: the new data is another resend.
    for (const done of [
      resendRow({ status: 'cancelled', cancelReason: 'unchanged' }),
      resendRow({
        status: 'delivered',
        digest: 'e'.repeat(64),
        deliveredDigest: 'e'.repeat(64),
        deliveredAt: '2027-06-29T09:00:00Z',
      }),
    ]) {
      expect(changesFor([delivered, done], [changed], at)).toMatchObject([
        { type: 'insert', kind: 'resend', send: { moment: 1 } },
      ]);
    }
  });

  describe('when a contract changed', () => {
    const without = (id: string) =>
      new Map([...resend].filter(([contractId]) => contractId !== id));

    it('should cancel the open sends of a contract removed as no longer called for, not as a unit gone', () => {
      const removed = new Map(without('us-apis'));
      expect(
        reconcilePlan(
          [row(), row({ id: 'tx-2', status: 'held' }), row({ id: 'tx-3', status: 'sending' })],
          [],
          removed,
          NOW,
        ),
      ).toEqual([
        { type: 'cancel', id: 'tx-1', reason: 'not-in-contract' },
        { type: 'cancel', id: 'tx-2', reason: 'not-in-contract' },
      ]);
    });

    it('should cancel a moment taken out of the schedule as no longer called for', () => {
      expect(changesFor([row(), row({ id: 'tx-2', moment: 1 })])).toEqual([
        { type: 'cancel', id: 'tx-2', reason: 'not-in-contract' },
      ]);
    });

    it('should plan again a send cancelled as no longer called for once its contract calls for it again', () => {
      const cancelled = row({ status: 'cancelled', cancelReason: 'not-in-contract' });
      expect(changesFor([cancelled])).toEqual([
        {
          type: 'replan',
          from: 'cancelled',
          cancelled: 'not-in-contract',
          id: 'tx-1',
          dueAt: send.dueAt,
          deadline: send.deadline,
          digest: send.digest,
          contractVersion: send.contractVersion,
        },
      ]);
    });

    it('should cancel an open resend, not one being sent, once the contract resends no more', () => {
      const never = new Map([...resend, ['us-apis', false]]);
      const delivered = row({
        status: 'delivered',
        deliveredDigest: send.digest,
        deliveredAt: '2027-06-29T08:31:00Z',
      });
      const changed = { ...send, digest: 'f'.repeat(64) };
      const at = Date.parse('2027-06-30T00:00:00Z');
      const resendRow = (id: string, status: TransmissionState['status']) =>
        row({
          id,
          kind: 'resend',
          status,
          digest: changed.digest,
          dueAt: new Date(at).toISOString(),
        });
      expect(
        reconcilePlan(
          [
            delivered,
            resendRow('tx-r1', 'planned'),
            resendRow('tx-r2', 'held'),
            resendRow('tx-r3', 'queued'),
            resendRow('tx-r4', 'sending'),
          ],
          [changed],
          never,
          at,
        ),
      ).toEqual([
        { type: 'cancel', id: 'tx-r1', reason: 'not-in-contract' },
        { type: 'cancel', id: 'tx-r2', reason: 'not-in-contract' },
        { type: 'cancel', id: 'tx-r3', reason: 'not-in-contract' },
      ]);
    });

    it('should give its sends the recipient a new version names, pending or resent', () => {
      const renamed = { ...send, recipientId: 'XX', contractVersion: send.contractVersion + 1 };
      expect(changesFor([row()], [renamed])).toEqual([
        {
          type: 'update',
          id: 'tx-1',
          dueAt: send.dueAt,
          deadline: send.deadline,
          digest: send.digest,
          contractVersion: renamed.contractVersion,
          recipientId: 'XX',
        },
      ]);
      const at = Date.parse('2027-06-30T00:00:00Z');
      const delivered = row({
        status: 'delivered',
        deliveredDigest: 'e'.repeat(64),
        deliveredAt: '2027-06-29T08:31:00Z',
      });
      const pending = row({ id: 'tx-r', kind: 'resend', dueAt: new Date(at).toISOString() });
      expect(changesFor([delivered, pending], [renamed], at)).toEqual([
        {
          type: 'update',
          id: 'tx-r',
          dueAt: pending.dueAt,
          deadline: send.deadline,
          digest: send.digest,
          contractVersion: renamed.contractVersion,
          recipientId: 'XX',
        },
      ]);
      // The same recipient: nothing to say of it.
      expect(changesFor([row()], [{ ...send, contractVersion: 9 }])[0]).not.toHaveProperty(
        'recipientId',
      );
    });
  });
});
