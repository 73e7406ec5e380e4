import type { RegisterEntryInput } from '../../src/core/register/register-entry.js';

/** A delivered disclosure about `subjects`, with what a transmission would record. */
export function aDisclosure(overrides: Partial<RegisterEntryInput> = {}): RegisterEntryInput {
  return {
    event: 'disclosure-delivered',
    transmissionId: 'tx-1',
    contract: { id: 'airline-group-list', version: 1, sha256: 'a'.repeat(64) },
    recipient: { id: 'AF', name: 'Operating airline (group desk)', category: 'airline' },
    purpose: 'Hold the group’s seats with the operating airline.',
    legalBasis: 'contract',
    specialCondition: 'explicit-consent',
    transfer: { country: 'FRA', safeguard: 'art49-contract' },
    tripId: 'T-1',
    unit: 'flight:F1',
    subjects: ['P1', 'P2'],
    fields: ['participant.surname', 'participant.givenNames', 'participant.meal'],
    categories: ['identity.name', 'meal'],
    withheld: [{ subject: 'P2', field: 'participant.meal', reason: 'no-consent' }],
    payload: { sha256: 'b'.repeat(64), bytes: 421, format: 'csv' },
    transport: { type: 'sftp', endpointId: 'airline-group-desk' },
    actor: { kind: 'system', id: 'worker' },
    detail: { attempt: 1 },
    ...overrides,
  };
}
