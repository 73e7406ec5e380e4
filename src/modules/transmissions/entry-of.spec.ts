import { describe, expect, it } from 'vitest';
import type { RegisterEntryInput } from '../../core/register/register-entry.js';
import { entryOf } from './transmission-sender.js';

const base: Omit<RegisterEntryInput, 'event'> = {
  transmissionId: 'tx-1',
  tripId: 'T-1',
  unit: 'flight:F1',
  subjects: ['P-1', 'P-2', 'L-1'],
  fields: ['participant.surname', 'trip.leaders.phone'],
  categories: ['identity.name', 'contact.leader'],
  withheld: [],
  actor: { kind: 'system', id: 'worker' },
};

describe("the worker's register entries", () => {
  it("should keep the base's count of the unit's participants beside the event's own detail", () => {
    const entry = entryOf({ ...base, detail: { unitParticipants: 2 } }, 'disclosure-attempted', {
      attempt: 1,
      overridden: false,
    });
    expect(entry.event).toBe('disclosure-attempted');
    expect(entry.detail).toEqual({ unitParticipants: 2, attempt: 1, overridden: false });
  });

  it("should give the event's detail alone when the base has none", () => {
    expect(entryOf(base, 'disclosure-delivered', { attempt: 2, files: 1 }).detail).toEqual({
      attempt: 2,
      files: 1,
    });
  });
});
