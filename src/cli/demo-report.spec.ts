import { describe, expect, it } from 'vitest';
import type { Transmission } from '../modules/transmissions/transmissions.repository.js';
import { describeMoment, renderTable, summarizeOutcomes } from './demo-report.js';

const transmission = (status: Transmission['status'], reason: string | null = null): Transmission =>
  ({ status, reason }) as Transmission;

describe('the demo report', () => {
  it('should count delivered and unchanged transmissions and call the run good when nothing else happened', () => {
    const summary = summarizeOutcomes([
      transmission('delivered'),
      transmission('cancelled', 'the data is what was already delivered'),
      transmission('delivered'),
    ]);
    expect(summary).toEqual({
      text: '3 transmission(s): 2 delivered, 1 cancelled as unchanged',
      ok: true,
    });
  });

  it('should call the run bad when a transmission failed, was missed or is still open', () => {
    for (const status of ['failed', 'missed', 'queued', 'planned'] as const) {
      const summary = summarizeOutcomes([transmission('delivered'), transmission(status)]);
      expect(summary.ok, status).toBe(false);
      expect(summary.text).toBe(`2 transmission(s): 1 delivered, 1 ${status}`);
    }
  });

  it('should describe a contract moment in the words of the contract', () => {
    expect(
      describeMoment({ event: 'flight.departure', direction: 'before', offset: 'PT72H' }),
    ).toBe('PT72H before flight.departure');
    expect(describeMoment({ event: 'booking.confirmed', direction: 'at', offset: 'PT0S' })).toBe(
      'at booking.confirmed',
    );
  });

  it('should align columns two spaces apart without padding the last one', () => {
    expect(
      renderTable(
        ['A', 'LONGER', 'LAST'],
        [
          ['xyz', 'b', 'c'],
          ['', '', 'd'],
        ],
      ),
    ).toEqual(['A    LONGER  LAST', 'xyz  b       c', '             d']);
  });
});
