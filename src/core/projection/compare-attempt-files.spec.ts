import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareAttemptFiles } from './compare-attempt-files.js';

const part = (n: number) => `flight-F1.tx-1.part0${n}.edi`;

describe('compareAttemptFiles', () => {
  it('should find nothing stale and nothing to record when a retry writes the same parts', () => {
    expect(compareAttemptFiles([part(1), part(2)], [part(1), part(2)])).toEqual({
      stale: [],
      unrecorded: [],
    });
  });

  it('should record every name and find nothing stale when no attempt was recorded before', () => {
    expect(compareAttemptFiles([], [part(1), part(2)])).toEqual({
      stale: [],
      unrecorded: [part(1), part(2)],
    });
  });

  it('should name the earlier parts this attempt does not write when it writes fewer', () => {
    expect(compareAttemptFiles([part(1), part(2), part(3)], [part(1), part(2)])).toEqual({
      stale: [part(3)],
      unrecorded: [],
    });
  });

  it('should name the single file stale and record the parts when one file becomes several', () => {
    expect(
      compareAttemptFiles(
        ['flight-F1.tx-1.txt'],
        ['flight-F1.tx-1.part01.txt', 'flight-F1.tx-1.part02.txt'],
      ),
    ).toEqual({
      stale: ['flight-F1.tx-1.txt'],
      unrecorded: ['flight-F1.tx-1.part01.txt', 'flight-F1.tx-1.part02.txt'],
    });
  });

  it('should never name stale a file the attempt writes, nor leave one of them unrecorded', () => {
    const names = fc.array(fc.constantFrom(...[1, 2, 3, 4, 5].map(part)), { maxLength: 5 });
    fc.assert(
      fc.property(names, names, (recorded, current) => {
        const { stale, unrecorded } = compareAttemptFiles(recorded, current);
        for (const name of stale) {
          expect(current).not.toContain(name);
          expect(recorded).toContain(name);
        }
        for (const name of current) {
          expect(recorded.includes(name) || unrecorded.includes(name)).toBe(true);
        }
        // Every earlier name is either written again or stale: none is forgotten.
        for (const name of recorded) {
          expect(current.includes(name) || stale.includes(name)).toBe(true);
        }
      }),
    );
  });
});
