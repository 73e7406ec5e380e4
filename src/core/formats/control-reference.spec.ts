import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { controlReference } from './control-reference.js';

describe('controlReference', () => {
  it('should give the same reference for the same id, so a retried part keeps its UNB reference', () => {
    // formats.md §8.25: a retried upload must not carry a different interchange reference.
    expect(controlReference('tx-0001')).toBe(controlReference('tx-0001'));
    expect(controlReference('tx-0001')).not.toBe(controlReference('tx-0002'));
  });

  it('should always be 12 upper-case letters or digits, which a two-digit part number keeps within an..14', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1, maxLength: 80 }), (id) => {
        const reference = controlReference(id);
        expect(reference).toMatch(/^[0-9A-Z]{12}$/);
        expect(`${reference}99`.length).toBeLessThanOrEqual(14);
      }),
      { numRuns: 300 },
    );
    // A digest whose base-36 form is 11 digits long is padded, not shorter.
    expect(controlReference('tx-314')).toBe('0ZFIZM0PO1HM');
  });
});
