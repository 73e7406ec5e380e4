import { describe, expect, it } from 'vitest';
import type { PlannedSend } from './plan-trip.js';
import { reconcilePlan, type TransmissionState } from './reconcile-plan.js';

const NOW = Date.parse('2027-06-01T00:00:00Z');

/** Two moments for each of `units` participant units of one contract. */
function plannedFor(units: number, digest: string): PlannedSend[] {
  return Array.from({ length: units }, (_, u) => u).flatMap((u) =>
    [0, 1].map((moment) => ({
      contractId: 'per-participant',
      contractVersion: 1,
      unit: { kind: 'participant' as const, id: `P${u}`, key: `participant:P${u}` },
      recipientId: 'INS-A',
      moment,
      dueAt: '2027-06-20T00:00:00.000Z',
      deadline: '2027-06-30T00:00:00.000Z',
      digest,
    })),
  );
}

describe('the plan of a contract with a unit per participant, for 400 participants', () => {
  const resend = new Map([['per-participant', true]]);

  it('should insert every send of every unit when nothing is planned yet', () => {
    const changes = reconcilePlan([], plannedFor(400, 'd1'), resend, NOW);
    expect(changes).toHaveLength(800);
    expect(changes.every((c) => c.type === 'insert' && c.status === 'planned')).toBe(true);
  });

  it('should plan one resend per unit whose delivered data changed, and none for the others', () => {
    const existing: TransmissionState[] = plannedFor(400, 'd1').map((send, index) => ({
      id: `T${index}`,
      contractId: send.contractId,
      contractVersion: 1,
      unitKey: send.unit.key,
      recipientId: send.recipientId,
      kind: 'scheduled',
      moment: send.moment,
      dueAt: '2027-05-20T00:00:00.000Z',
      deadline: send.deadline,
      status: 'delivered',
      digest: 'd1',
      deliveredDigest: 'd1',
      deliveredAt: `2027-05-20T00:00:0${send.moment}.000Z`,
    }));
    // Every other participant's data changed.
    const planned = plannedFor(400, 'd1').map((send, index) =>
      Math.floor(index / 2) % 2 === 0 ? { ...send, digest: 'd2' } : send,
    );
    const changes = reconcilePlan(existing, planned, resend, NOW);
    const resends = changes.filter((c) => c.type === 'insert' && c.kind === 'resend');
    expect(resends).toHaveLength(200);
    expect(resends.map((c) => (c.type === 'insert' ? c.send.unit.id : '')).slice(0, 3)).toEqual([
      'P0',
      'P2',
      'P4',
    ]);
    expect(changes.filter((c) => c.type !== 'insert')).toEqual([]);
  });
});
